"""The chunk store: an SQLite file beside the vectors, readable with any SQLite tool, no pickles."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from ..sources.chunks import CHUNK_FIELDS, Chunk

_ADDED_LATER = ("page",)  # columns a later migration adds; the first one keeps its original shape
_FIRST_FIELDS = tuple(name for name in CHUNK_FIELDS if name not in _ADDED_LATER)

MIGRATIONS: list[str] = [
    # 1: chunks with their lexical terms, in FAISS row order (row = position in this table's `row` column)
    f"""CREATE TABLE chunks (
        row INTEGER PRIMARY KEY,
        {", ".join(f"{name} {'INTEGER' if name == 'position' else 'TEXT'}" for name in _FIRST_FIELDS)},
        terms TEXT NOT NULL
    );
    CREATE UNIQUE INDEX chunks_id ON chunks(chunk_id);""",
    # 2: the page a commentary paragraph of a PDF source starts on (NULL for everything else)
    "ALTER TABLE chunks ADD COLUMN page INTEGER;",
]


def _migrate(conn: sqlite3.Connection) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        conn.executescript(script)
        conn.execute(f"PRAGMA user_version = {number}")


def write_store(path: Path, chunks: list[Chunk], terms: list[list[str]]) -> None:
    conn = sqlite3.connect(path)
    try:
        _migrate(conn)
        columns = ", ".join(("row",) + CHUNK_FIELDS + ("terms",))
        marks = ", ".join("?" for _ in range(len(CHUNK_FIELDS) + 2))
        rows = []
        for row, (chunk, chunk_terms) in enumerate(zip(chunks, terms)):
            data = chunk.to_row()
            rows.append((row, *[data[name] for name in CHUNK_FIELDS], json.dumps(chunk_terms, ensure_ascii=False)))
        conn.executemany(f"INSERT INTO chunks ({columns}) VALUES ({marks})", rows)
        conn.commit()
    finally:
        conn.close()


def read_store(path: Path) -> tuple[list[Chunk], list[list[str]]]:
    """Chunks and their terms in row order; raises sqlite3.DatabaseError on a damaged file."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        if conn.execute("PRAGMA user_version").fetchone()[0] != len(MIGRATIONS):
            raise sqlite3.DatabaseError("chunk store schema version mismatch")
        cursor = conn.execute(f"SELECT row, {', '.join(CHUNK_FIELDS)}, terms FROM chunks ORDER BY row")
        chunks, terms = [], []
        for expected, record in enumerate(cursor):
            if record[0] != expected:
                raise sqlite3.DatabaseError("chunk rows are not contiguous")
            chunks.append(Chunk.from_row(dict(zip(CHUNK_FIELDS, record[1:-1]))))
            terms.append(json.loads(record[-1]))
        return chunks, terms
    finally:
        conn.close()
