"""The store of sources: one SQLite file and a folder of original files, beside the index.

    registry = SourceRegistry(index_dir)               # <index_dir>/sources.sqlite, <index_dir>/sources/
    result = registry.add(Path("report.pdf"), title=None, kind=None)
    result.record.id, result.new, result.document      # document: the SourceDocument read (None if not new)
    registry.list(); registry.get(id); registry.remove(id)

Every change is atomic: the record is written in one SQLite transaction, inside which the original is
copied under a temporary name, flushed and renamed into place before the commit; a copy left by a crash
before the commit (or by a removal after it) is named by no record and is swept on the next open.
Bad input raises IngestError before anything is written, so the store is exactly as it was.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from ..checksums import sha256_file
from ..errors import IndexUnwritable
from .formats import DEFAULT_MAX_BYTES, IngestError, SourceDocument, read_document
from .formats.detect import check_file
from .formats.errors import fail

KINDS = ("commentary", "act", "translation")
DB_NAME = "sources.sqlite"
STORE_NAME = "sources"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS sources (
    id TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('commentary', 'act', 'translation')),
    languages TEXT NOT NULL,
    format TEXT NOT NULL,
    encoding TEXT,
    file_name TEXT NOT NULL,
    stored_name TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    added_at TEXT NOT NULL
)
"""
_COLUMNS = ("id", "sha256", "title", "kind", "languages", "format", "encoding", "file_name", "stored_name",
            "size_bytes", "added_at")


@dataclass(frozen=True)
class SourceRecord:
    """One registered source. `stored_name` is the copy's file name inside the registry's store folder."""

    id: str
    sha256: str
    title: str
    kind: str
    languages: tuple[str, ...]
    format: str
    encoding: str | None
    file_name: str
    stored_name: str
    size_bytes: int
    added_at: str  # ISO 8601, UTC

    def to_json(self) -> dict[str, Any]:
        return {name: list(self.languages) if name == "languages" else getattr(self, name) for name in _COLUMNS}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "SourceRecord":
        values = {name: data[name] for name in _COLUMNS}
        values["languages"] = tuple(values["languages"])
        return cls(**values)


@dataclass(frozen=True)
class AddResult:
    """What `add` did: `new` is False when the same file (same checksum) was already registered."""

    record: SourceRecord
    new: bool
    document: SourceDocument | None = None  # the document read, for chunking; None when not new

    @property
    def message(self) -> str:
        r = self.record
        if not self.new:
            return f"{r.file_name}: already registered as {r.id} ({r.title}); nothing changed"
        encoding = f", {r.encoding}" if r.encoding else ""
        return f"added {r.id}: {r.title} ({r.kind}, {r.format}{encoding}, {'+'.join(r.languages) or '?'})"


class SourceRegistry:
    """Sources beside an index: `<base_dir>/sources.sqlite` and copies in `<base_dir>/sources/`."""

    def __init__(self, base_dir: Path | str, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.base_dir = Path(base_dir)
        self.db_path = self.base_dir / DB_NAME
        self.store_dir = self.base_dir / STORE_NAME
        self.max_bytes = max_bytes
        try:
            self.store_dir.mkdir(parents=True, exist_ok=True)
            with self._transaction() as db:
                db.execute(_SCHEMA)
            self._sweep()
        except (OSError, sqlite3.Error) as exc:
            raise IndexUnwritable(f"{self.base_dir}: cannot open the source registry there ({exc}); "
                                  "choose a writable --index-dir") from None

    def add(self, path: Path | str, title: str | None = None, kind: str | None = None) -> AddResult:
        """Register a file: read it (IngestError on bad input, nothing written), copy it, record it.

        The same content twice is a no-op that returns the existing record with `new=False`. Without a
        kind, a document shaped like legislation is an 'act', anything else 'commentary'.
        """
        path = Path(path)
        if kind is not None and kind not in KINDS:
            raise fail(path, f"unknown kind '{kind}'", f"use one of {', '.join(KINDS)}")
        size = check_file(path, self.max_bytes)
        try:
            checksum = sha256_file(path)
        except OSError as exc:
            raise fail(path, f"cannot read the file ({exc.strerror or type(exc).__name__})",
                       "check that it is readable and add it again") from None
        with closing(self._connect()) as db:
            existing = _by_checksum(db, checksum)
        if existing is not None:
            return AddResult(existing, False)
        document = read_document(path, self.max_bytes)
        # The write lock is held from the second duplicate check to the commit, so a concurrent add of the
        # same file, or a sweep, cannot slip in between; the copy is renamed into place before the commit.
        stored: Path | None = None
        try:
            with self._transaction() as db:
                existing = _by_checksum(db, checksum)
                if existing is not None:
                    return AddResult(existing, False)
                source_id = _new_id(db, checksum)
                record = SourceRecord(
                    id=source_id, sha256=checksum, title=(title or "").strip() or document.title,
                    kind=kind or ("act" if document.likely_act else "commentary"), languages=document.languages,
                    format=document.format, encoding=document.encoding, file_name=path.name,
                    stored_name=f"{source_id}{path.suffix.lower()}", size_bytes=size,
                    added_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
                db.execute(f"INSERT INTO sources ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
                           _row(record))
                stored = self.store_dir / record.stored_name
                self._copy_atomic(path, stored, checksum)
        except BaseException:
            if stored is not None:  # the copy is in place but the record was not committed
                stored.unlink(missing_ok=True)
            raise
        return AddResult(record, True, document)

    def list(self) -> list[SourceRecord]:
        """All sources in the order they were added."""
        with closing(self._connect()) as db:
            rows = db.execute(f"SELECT {', '.join(_COLUMNS)} FROM sources ORDER BY rowid").fetchall()
        return [_record(row) for row in rows]

    def get(self, source_id: str) -> SourceRecord:
        """The source with this id, or IngestError naming the id."""
        with closing(self._connect()) as db:
            row = db.execute(f"SELECT {', '.join(_COLUMNS)} FROM sources WHERE id = ?", (source_id,)).fetchone()
        if row is None:
            raise IngestError(f"no source with id '{source_id}'; `qa sources list` shows the ids")
        return _record(row)

    def remove(self, source_id: str) -> SourceRecord:
        """Delete the record, then its stored copy; returns what was removed."""
        record = self.get(source_id)
        with self._transaction() as db:
            db.execute("DELETE FROM sources WHERE id = ?", (source_id,))
        (self.store_dir / record.stored_name).unlink(missing_ok=True)
        return record

    def stored_path(self, record: SourceRecord) -> Path:
        """Where the registry keeps its copy of the original file."""
        return self.store_dir / record.stored_name

    def read(self, record: SourceRecord) -> SourceDocument:
        """The stored copy read again (for a rebuild of the index from the registry alone)."""
        return read_document(self.stored_path(record), max(self.max_bytes, record.size_bytes))

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.db_path, isolation_level=None, timeout=30)
        db.execute("PRAGMA journal_mode=DELETE")
        db.execute("PRAGMA synchronous=FULL")
        return db

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with closing(self._connect()) as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    def _copy_atomic(self, source: Path, target: Path, checksum: str) -> None:
        fd, tmp_name = tempfile.mkstemp(prefix=".tmp-", dir=self.store_dir)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out, source.open("rb") as src:
                shutil.copyfileobj(src, out, 1 << 20)
                out.flush()
                os.fsync(out.fileno())
            if sha256_file(tmp) != checksum:
                raise fail(source, "the file changed while it was being copied", "add it again")
            os.replace(tmp, target)
            _fsync_dir(self.store_dir)  # the rename itself survives a power cut before the commit's fsync
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def _sweep(self) -> None:
        """Remove temporary copies and copies no record names: what a crash mid-add or mid-remove leaves."""
        with self._transaction() as db:  # under the write lock: no add is between its copy and its commit
            known = {row[0] for row in db.execute("SELECT stored_name FROM sources")}
            for entry in self.store_dir.iterdir():
                if entry.is_file() and entry.name not in known:
                    entry.unlink(missing_ok=True)


def registered_checksums(base_dir: Path | str) -> dict[str, str]:
    """id → sha256 of every registered source, read without writing anything (so a read-only index
    folder can still be compared with its registry); empty when there is no registry yet."""
    path = Path(base_dir) / DB_NAME
    if not path.is_file():
        return {}
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)) as db:
        return dict(db.execute("SELECT id, sha256 FROM sources ORDER BY rowid").fetchall())


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # not supported here (e.g. Windows); the rename is still atomic
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _by_checksum(db: sqlite3.Connection, checksum: str) -> SourceRecord | None:
    row = db.execute(f"SELECT {', '.join(_COLUMNS)} FROM sources WHERE sha256 = ?", (checksum,)).fetchone()
    return _record(row) if row else None


def _new_id(db: sqlite3.Connection, checksum: str) -> str:
    """The checksum's first 12 hex digits; longer only if another source already has that prefix."""
    for length in range(12, 64, 4):
        if db.execute("SELECT 1 FROM sources WHERE id = ?", (checksum[:length],)).fetchone() is None:
            return checksum[:length]
    return checksum


def _row(record: SourceRecord) -> tuple[Any, ...]:
    return tuple(",".join(record.languages) if name == "languages" else getattr(record, name) for name in _COLUMNS)


def _record(row: tuple[Any, ...]) -> SourceRecord:
    values = dict(zip(_COLUMNS, row))
    values["languages"] = tuple(lang for lang in values["languages"].split(",") if lang)
    return SourceRecord(**values)
