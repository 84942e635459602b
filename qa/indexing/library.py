"""Adding, listing and removing a user's sources: what `qa ingest` / `qa sources` and the chat's sources
panel both do, in one place, so the two surfaces cannot drift apart.

    report = ingest_files(settings, [path], title=None, kind="commentary")   # each file's outcome, one sync
    listed = listed_sources(settings)                                       # records + chunks in the index
    record, sync = remove_source(settings, source_id)

Each file is registered (checksum, title, kind, languages, stored copy) and cut into chunks; then one
`sync_sources` embeds only those chunks and swaps the index atomically. A bad file is one IngestError line
and changes nothing; if the sync fails, what this call registered is forgotten again, so the registry
never names a source the live index lacks because of this call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..config import Settings
from ..sources.formats import IngestError
from ..sources.ingest import source_chunks
from ..sources.registry import DB_NAME, AddResult, SourceRecord, SourceRegistry
from .incremental import SyncResult, sync_sources
from .index import Progress, _quiet, check_status


@dataclass(frozen=True)
class IngestOutcome:
    """One file's outcome: `added` now, `repaired` (registered before, missing from the index, indexed now),
    `unchanged` (the same file was already there) or `error` (the one-line message says why)."""

    file_name: str
    state: str
    message: str
    chunk_count: int = 0
    record: SourceRecord | None = None

    def to_json(self) -> dict:
        return {"state": self.state, "message": self.message, "chunk_count": self.chunk_count,
                "source": self.record.to_json() if self.record else None}


@dataclass(frozen=True)
class IngestReport:
    """Every file's outcome in the order given, and the one sync that put the new ones in the index."""

    outcomes: tuple[IngestOutcome, ...]
    sync: SyncResult | None = None

    @property
    def failures(self) -> int:
        return sum(1 for o in self.outcomes if o.state == "error")

    @property
    def changed(self) -> bool:
        return bool(self.sync and (self.sync.added or self.sync.removed or self.sync.rebuilt))


@dataclass(frozen=True)
class ListedSource:
    """A registered source and the chunks it has in the live index (None: not in the index yet)."""

    record: SourceRecord
    chunk_count: int | None

    def to_json(self) -> dict:
        return {**self.record.to_json(), "chunk_count": self.chunk_count, "in_index": self.chunk_count is not None}


def ingest_files(settings: Settings, paths: Sequence[Path | str], title: str | None = None, kind: str | None = None,
                 progress: Progress = _quiet, on_error: Callable[[str], None] | None = None) -> IngestReport:
    """Register each file and index the new ones in one sync; `on_error` hears each bad file's line at once
    (the CLI prints it before the sync starts). A failing sync forgets what this call registered and raises."""
    if title and len(paths) > 1:
        raise IngestError("a title names one source: give one file with it")
    registry = SourceRegistry(settings.index_dir)
    outcomes: list[IngestOutcome | AddResult] = []
    prepared: dict[str, list] = {}
    for path in map(Path, paths):
        try:
            result = registry.add(path, title=title, kind=kind)
            if result.new:
                try:
                    prepared[result.record.id] = _citable(result)
                except IngestError:
                    registry.remove(result.record.id)  # read but not citable: the registry stays as it was
                    raise
        except IngestError as exc:
            outcomes.append(IngestOutcome(path.name, "error", str(exc)))
            if on_error:
                on_error(str(exc))
            continue
        outcomes.append(result)
    if not any(isinstance(o, AddResult) for o in outcomes):
        return IngestReport(tuple(outcomes))  # type: ignore[arg-type]  # errors only
    try:
        sync = sync_sources(settings, progress, prepared)
    except BaseException:
        for record_id in prepared:  # the index was not swapped: forget what this call registered
            registry.remove(record_id)
        raise
    return IngestReport(tuple(o if isinstance(o, IngestOutcome) else _outcome(o, sync) for o in outcomes), sync)


def _citable(result: AddResult) -> list:
    """The chunks of a file just registered; a document of headings only has nothing to cite."""
    chunks = source_chunks(result.record, result.document)
    if not chunks:
        raise IngestError(f"{result.record.file_name}: no paragraphs to cite, only headings; "
                          "add a document with text")
    return chunks


def _outcome(result: AddResult, sync: SyncResult) -> IngestOutcome:
    record = result.record
    count = sync.chunk_counts.get(record.id, 0)
    if result.new:
        return IngestOutcome(record.file_name, "added",
                             f"{result.message}: {count} chunk(s) indexed in {sync.seconds:.1f} s", count, record)
    if record.id in sync.added:
        return IngestOutcome(record.file_name, "repaired",
                             f"{record.file_name}: already registered as {record.id} ({record.title}), but missing "
                             f"from the index: {count} chunk(s) indexed now", count, record)
    return IngestOutcome(record.file_name, "unchanged", result.message, count, record)


def listed_sources(settings: Settings) -> list[ListedSource]:
    """The registered sources in the order they were added, with their chunks in the live index; nothing
    is created when there is no registry yet."""
    if not (settings.index_dir / DB_NAME).is_file():
        return []
    records = SourceRegistry(settings.index_dir).list()
    manifest = check_status(settings).manifest or {}
    counts = {s.get("id"): s.get("chunk_count") for s in manifest.get("sources") or [] if isinstance(s, dict)}
    return [ListedSource(r, counts.get(r.id)) for r in records]


def remove_source(settings: Settings, source_id: str, progress: Progress = _quiet) -> tuple[SourceRecord, SyncResult]:
    """Take a source out of the registry, then out of the index (nothing else is re-embedded); an unknown
    id is an IngestError naming it. The registry goes first: a crash after it is repaired on the next load."""
    record = SourceRegistry(settings.index_dir).remove(source_id)
    return record, sync_sources(settings, progress)


def removal_message(record: SourceRecord, sync: SyncResult) -> str:
    done = ("the index was rebuilt without it" if sync.rebuilt else
            f"{sync.chunks_removed} chunk(s) taken out of the index")
    return f"removed {record.id}: {record.title} ({done} in {sync.seconds:.1f} s)"
