"""Adding and removing registered sources without a rebuild: only their own chunks are embedded.

The registry (`sources.sqlite`) is the record of truth; the live build's manifest lists the sources it
holds (id, sha256). `sync_sources` makes the index match the registry: it copies the live build's vectors
(FAISS flat: reconstructed) and chunk rows minus the removed sources, embeds just the new sources' chunks,
writes a new build aside with its checksums and swaps CURRENT under the build lock. A crash anywhere
before the swap leaves the previous build in use (and the registry ahead of it), which the next ingest or
load repairs by the same comparison.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..config import Settings
from ..errors import IndexCorrupted, QAError
from ..sources.chunks import Chunk
from ..sources.ingest import source_chunks
from ..sources.registry import SourceRecord, SourceRegistry, registered_checksums
from .embedders import embedder_for
from .index import (STORE, VECTORS, VECTORS_EN, Progress, Status, _build_lock,
                    _build_locked, _clear_leftovers,
                    _quiet, _remove_old_builds, check_status, chunk_terms, embed_chunks, publish, source_entry,
                    staging_build, write_build)
from .profile_vectors import ProfileVectors
from .store import read_store

log = logging.getLogger("qa.index")


@dataclass(frozen=True)
class SyncResult:
    """What a sync changed: source ids added and removed, their chunk counts, the new build (None: none)."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    chunks_added: int = 0
    chunks_removed: int = 0
    build: Path | None = None
    seconds: float = 0.0
    rebuilt: bool = False  # there was no usable index, so a full build (corpus + sources) was made
    chunk_counts: dict[str, int] = field(default_factory=dict)  # source id → chunks it has in the index

    def to_json(self) -> dict:
        return {"added": list(self.added), "removed": list(self.removed), "chunks_added": self.chunks_added,
                "chunks_removed": self.chunks_removed, "build": str(self.build) if self.build else None,
                "seconds": self.seconds, "rebuilt": self.rebuilt, "chunk_counts": self.chunk_counts}


def sync_sources(settings: Settings, progress: Progress = _quiet,
                 prepared: dict[str, list[Chunk]] | None = None) -> SyncResult:
    """Make the live index hold exactly the registry's sources; `prepared` gives chunks already cut (by
    source id) so a file just read is not read again. Without an up-to-date index, a full build is made."""
    started = time.perf_counter()
    with _build_lock(settings.index_dir):
        status = check_status(settings)
        if status.state != "ok":
            if status.state != "missing" and not settings.rebuild_stale:
                raise IndexCorrupted(f"index is {status.state}: {status.reason} (run `qa index build`)")
            build = _build_locked(settings, progress)
            counts = {s["id"]: s["chunk_count"] for s in _manifest_sources(check_status(settings).manifest)}
            before = {s["id"] for s in _manifest_sources(status.manifest)}
            return SyncResult(added=tuple(i for i in counts if i not in before), build=build, rebuilt=True,
                              chunk_counts=counts,
                              seconds=round(time.perf_counter() - started, 3))
        registry = SourceRegistry(settings.index_dir)
        records = {r.id: r for r in registry.list()}
        wanted = {i: r.sha256 for i, r in records.items()}
        add_ids, to_remove = _difference(wanted, _manifest_sources(status.manifest))
        if not add_ids and not to_remove:
            counts = {s["id"]: s["chunk_count"] for s in _manifest_sources(status.manifest)}
            return SyncResult(chunk_counts=counts, seconds=round(time.perf_counter() - started, 3))
        to_add = [records[i] for i in add_ids]
        new_chunks = {r.id: (prepared or {}).get(r.id) or source_chunks(r, registry.read(r)) for r in to_add}
        return _apply(settings, status, to_add, to_remove, new_chunks, progress, started)


def _manifest_sources(manifest: dict | None) -> list[dict]:
    sources = (manifest or {}).get("sources")
    return [s for s in sources if isinstance(s, dict) and "id" in s] if isinstance(sources, list) else []


def _difference(wanted: dict[str, str], listed: list[dict]) -> tuple[list[str], set[str]]:
    """(ids of registered sources the index lacks, ids the index holds that the registry no longer has),
    from the registry's id → sha256 and the manifest's list."""
    held = {s["id"]: s.get("sha256") for s in listed}
    to_add = [i for i, sha in wanted.items() if held.get(i) != sha]
    to_remove = {i for i, sha in held.items() if wanted.get(i) != sha}
    return to_add, to_remove


def _apply(settings: Settings, status: Status, to_add: list[SourceRecord], to_remove: set[str],
           new_chunks: dict[str, list[Chunk]], progress: Progress, started: float) -> SyncResult:
    """The new build: the live one's rows minus `to_remove`, plus the new sources' chunks, embedded alone."""
    import faiss

    _clear_leftovers(settings.index_dir)
    old_chunks, old_terms = read_store(status.path / STORE)
    keep = [i for i, c in enumerate(old_chunks) if c.source not in to_remove]
    old = {name: faiss.read_index(str(status.path / name)) for name in (VECTORS, VECTORS_EN)}
    kept = {name: (index.reconstruct_n(0, index.ntotal) if index.ntotal else
                   np.zeros((0, index.d), dtype=np.float32))[keep] for name, index in old.items()}
    adding = [c for r in to_add for c in new_chunks[r.id]]
    vectors, vectors_en = embed_chunks(adding, embedder_for(settings), progress)
    chunks = [old_chunks[i] for i in keep] + adding
    terms = [old_terms[i] for i in keep] + [chunk_terms(c) for c in adding]
    listed = [s for s in _manifest_sources(status.manifest) if s["id"] not in to_remove]
    manifest = {**status.manifest,
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "sources": listed + [source_entry(r, new_chunks[r.id]) for r in to_add],
                "last_change": {"added": [r.id for r in to_add], "removed": sorted(to_remove),
                                "seconds": round(time.perf_counter() - started, 2)}}
    with staging_build(settings.index_dir) as staging:
        profiles = ProfileVectors.read(status.path)  # unchanged: copied
        write_build(staging, chunks, terms, np.vstack([kept[VECTORS], vectors]),
                    np.vstack([kept[VECTORS_EN], vectors_en]), profiles, manifest)
        final = publish(settings.index_dir, staging)
    _remove_old_builds(settings.index_dir, keep=final.name)
    progress("index ready", 1.0)
    return SyncResult(added=tuple(r.id for r in to_add), removed=tuple(sorted(to_remove)),
                      chunks_added=len(adding), chunks_removed=len(old_chunks) - len(keep), build=final,
                      seconds=round(time.perf_counter() - started, 3),
                      chunk_counts={s["id"]: s["chunk_count"] for s in manifest["sources"]})


def repair_sources(settings: Settings, status: Status, progress: Progress = _quiet) -> Status:
    """On load: when the registry and the live build disagree (a crash between the two), sync them;
    a repair that cannot be made is a warning, and the live build is used as it is."""
    try:
        to_add, to_remove = _difference(registered_checksums(settings.index_dir), _manifest_sources(status.manifest))
        if not to_add and not to_remove:
            return status
        progress(f"index: {len(to_add)} source(s) to add, {len(to_remove)} to remove", 0.0)
        sync_sources(settings, progress)
    except (QAError, OSError, sqlite3.Error) as exc:
        log.warning("the registered sources could not be brought into the index: %s", exc)
        return status
    fresh = check_status(settings)
    return fresh if fresh.state == "ok" else status
