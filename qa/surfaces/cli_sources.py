"""`qa ingest`, `qa sources list`, `qa sources remove`: the user's own sources, added to the live index
without a rebuild. Each file is registered (checksum, title, kind, languages, stored copy), cut into
chunks, and only those chunks are embedded; the index is swapped atomically, so a failure anywhere leaves
the previous index in use and the registry as it was."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .terminal import progress

KIND_CHOICES = ("commentary", "act", "translation")


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--title", help="Title to cite the source by (default: the document's own title).")
@click.option("--kind", type=click.Choice(KIND_CHOICES),
              help="commentary (cited by page or heading), act (by article), translation (as commentary for now); "
                   "default: act when it is shaped like one, else commentary.")
@click.option("--json", "as_json", is_flag=True, help="Print what was done as JSON.")
@click.pass_context
def ingest(ctx, paths: tuple[Path, ...], title: str | None, kind: str | None, as_json: bool) -> None:
    """Add PDF, DOCX, HTML, Markdown or text files as sources, embedding only their own chunks."""
    from ..indexing.incremental import sync_sources
    from ..sources.formats import IngestError
    from ..sources.registry import SourceRegistry

    if title and len(paths) > 1:
        raise click.UsageError("--title names one source: give one PATH with it")
    settings = ctx.obj
    registry = SourceRegistry(settings.index_dir)
    results, prepared, failures = [], {}, 0
    for path in paths:
        try:
            result = registry.add(path, title=title, kind=kind)
        except IngestError as exc:
            click.echo(f"error: {exc}", err=True)
            failures += 1
            continue
        if result.new:
            try:
                prepared[result.record.id] = _citable(result)
            except IngestError as exc:
                registry.remove(result.record.id)  # read but not citable: the registry stays as it was
                click.echo(f"error: {exc}", err=True)
                failures += 1
                continue
        results.append(result)
    if results:
        try:
            sync = sync_sources(settings, progress, prepared)
        except BaseException:
            for record_id in prepared:  # the index was not swapped: forget what this run registered
                registry.remove(record_id)
            raise
        report = [_line(r, sync) for r in results]
        if as_json:
            click.echo(json.dumps({"sources": report, "index": sync.to_json()}, ensure_ascii=False, indent=2))
        else:
            for item in report:
                click.echo(item["message"])
    if failures:
        sys.exit(2)


def _citable(result) -> list:
    """The chunks of a file just registered; a document of headings only has nothing to cite."""
    from ..sources.formats import IngestError
    from ..sources.ingest import source_chunks

    chunks = source_chunks(result.record, result.document)
    if not chunks:
        raise IngestError(f"{result.record.file_name}: no paragraphs to cite, only headings; "
                          "add a document with text")
    return chunks


def _line(result, sync) -> dict:
    """One source's outcome: added now, already there, or already registered but repaired into the index."""
    record = result.record
    count = sync.chunk_counts.get(record.id, 0)
    if result.new:
        message = f"{result.message}: {count} chunk(s) indexed in {sync.seconds:.1f} s"
        state = "added"
    elif record.id in sync.added:
        message = (f"{record.file_name}: already registered as {record.id} ({record.title}), but missing from the "
                   f"index: {count} chunk(s) indexed now")
        state = "repaired"
    else:
        message = result.message
        state = "unchanged"
    return {"state": state, "message": message, "chunk_count": count, "source": record.to_json()}


@click.group()
def sources() -> None:
    """List or remove the sources added with `qa ingest`."""


@sources.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the sources as JSON.")
@click.pass_context
def sources_list(ctx, as_json: bool) -> None:
    """The registered sources, with the chunks each has in the live index."""
    from ..indexing.index import check_status
    from ..sources.registry import DB_NAME, SourceRegistry

    settings = ctx.obj
    records = SourceRegistry(settings.index_dir).list() if (settings.index_dir / DB_NAME).is_file() else []
    manifest = check_status(settings).manifest or {}
    counts = {s.get("id"): s.get("chunk_count") for s in manifest.get("sources") or [] if isinstance(s, dict)}
    if as_json:
        items = [{**r.to_json(), "chunk_count": counts.get(r.id), "in_index": r.id in counts} for r in records]
        click.echo(json.dumps(items, ensure_ascii=False, indent=2))
        return
    if not records:
        click.echo("no sources added (qa ingest PATH adds one)")
        return
    for r in records:
        chunks = f"{counts[r.id]} chunks" if r.id in counts else "not in the index yet"
        langs = "+".join(r.languages) or "?"
        click.echo(f"{r.id}  {r.kind:<11} {r.format:<8} {langs:<5} {chunks:<14} {r.title}  ({r.file_name})")


@sources.command("remove")
@click.argument("source_id")
@click.pass_context
def sources_remove(ctx, source_id: str) -> None:
    """Remove a source and its chunks from the index (nothing else is re-embedded)."""
    from ..indexing.incremental import sync_sources
    from ..sources.registry import SourceRegistry

    settings = ctx.obj
    registry = SourceRegistry(settings.index_dir)
    record = registry.remove(source_id)  # the registry first: a crash after this is repaired on the next load
    sync = sync_sources(settings, progress)
    done = ("the index was rebuilt without it" if sync.rebuilt else
            f"{sync.chunks_removed} chunk(s) taken out of the index")
    click.echo(f"removed {record.id}: {record.title} ({done} in {sync.seconds:.1f} s)")
