"""The corpus folder: which files there are, what each one is, and a hash that says when it changed."""

from __future__ import annotations

import hashlib
import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from ..errors import CorpusError
from .alignment import AlignmentReport, align, check
from .chunks import Chunk
from .commentary_parser import parse_commentary
from .convention_parser import looks_like_convention, parse_convention
from .english_parser import english_source_text, looks_like_english_convention, parse_english

PARSER_VERSION = "2"
ENGLISH_SOURCE = "convention:en"  # source_texts key of the authentic English text
# The code and data that decide chunk text, titles and index terms: when any of them changes,
# an index built before is stale even though the corpus files are the same.
_SOURCES = Path(__file__).resolve().parent
_BUILD_INPUTS = ("convention_parser.py", "act_parser.py", "act_names.py", "commentary_parser.py", "crossrefs.py",
                 "titles.py", "chunks.py", "lexicon.py", "../data/glossary_en_uk.tsv", "../data/synonyms_uk.tsv",
                 "english_parser.py", "alignment.py", "ingest.py")


@dataclass(frozen=True)
class CorpusFile:
    path: Path
    doc_id: str
    raw: str


MAX_FILE_BYTES = 16 * 1024 * 1024  # about 22 000 chunks, hours of embedding: a mistake, not a corpus file
BYTES_PER_CHUNK = 740  # the shipped corpus: 122 635 bytes in 166 chunks
SECONDS_PER_CHUNK = 0.15  # embedding one chunk on one slow core (the shipped corpus builds in 13–25 s)
WARN_BUILD_SECONDS = 300
CORPUS_SUFFIXES = (".txt", ".md")

log = logging.getLogger("qa.corpus")


def build_estimate(size_bytes: int) -> str:
    """'about 68 000 chunks, ~2.8 h to embed': what a corpus of this size will cost to index."""
    chunks = max(1, size_bytes // BYTES_PER_CHUNK)
    seconds = chunks * SECONDS_PER_CHUNK
    spent = f"{seconds / 3600:.1f} h" if seconds >= 3600 else f"{seconds / 60:.0f} min" if seconds >= 60 else f"{seconds:.0f} s"
    count = f"{chunks:,}".replace(",", " ")
    return f"about {count} chunks, ~{spent} to embed"


def _read(path: Path) -> str:
    """The text of a regular corpus file; opened without blocking, so a FIFO can never hang a build."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read corpus file ({exc.strerror or exc})") from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise CorpusError(f"{path}: not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            raise CorpusError(f"{path}: {info.st_size / 2**20:.1f} MB is over the {MAX_FILE_BYTES // 2**20} MB limit "
                              f"for a corpus file ({build_estimate(info.st_size)}); split or shorten it")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read corpus file ({exc.strerror or exc})") from exc
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:
        raise CorpusError(f"{path}: grew past the {MAX_FILE_BYTES // 2**20} MB limit while being read")
    if b"\x00" in data:
        raise CorpusError(f"{path}: binary data in a corpus file (expected UTF-8 text)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{path}: not UTF-8 text (byte {exc.start})") from exc


def _usable(path: Path, folder: Path) -> Path | None:
    """The file to read for a directory entry, or None (with a warning) when it must be left alone:
    a link leading out of the corpus folder, a FIFO, a device or a folder."""
    try:
        target = path.resolve(strict=True)
        info = target.stat()
    except (OSError, RuntimeError) as exc:
        log.warning("skipped %s: cannot be opened (%s)", path, getattr(exc, "strerror", None) or exc)
        return None
    if not target.is_relative_to(folder):
        log.warning("skipped %s: a link to %s, outside the corpus folder", path, target)
        return None
    if not stat.S_ISREG(info.st_mode):
        log.warning("skipped %s: not a regular file", path)
        return None
    return target


def corpus_files(corpus_dir: Path) -> list[CorpusFile]:
    """Every readable .txt and .md file in the folder (sorted by name); empty files are skipped with a
    warning, a corpus too large to build in minutes is announced with an estimate."""
    if not corpus_dir.is_dir():
        raise CorpusError(f"{corpus_dir}: corpus folder not found")
    folder = corpus_dir.resolve()
    files: list[CorpusFile] = []
    for entry in sorted(p for p in corpus_dir.iterdir() if p.suffix in CORPUS_SUFFIXES and not p.name.startswith(".")):
        target = _usable(entry, folder)
        if target is None:
            continue
        raw = _read(target)
        if not raw.strip():
            log.warning("skipped %s: the file is empty", entry)
            continue
        files.append(CorpusFile(entry, entry.stem, raw))
    if not files:
        raise CorpusError(f"{corpus_dir}: no non-empty .txt or .md corpus files")
    size = sum(len(f.raw.encode("utf-8")) for f in files)
    if size / BYTES_PER_CHUNK * SECONDS_PER_CHUNK > WARN_BUILD_SECONDS:
        log.warning("the corpus is %.1f MB: %s", size / 2**20, build_estimate(size))
    return files


def corpus_hash(files: list[CorpusFile]) -> str:
    digest = hashlib.sha256(f"parser={PARSER_VERSION}".encode())
    for name in _BUILD_INPUTS:
        digest.update((_SOURCES / name).read_bytes())
    for f in files:
        digest.update(f.path.name.encode())
        digest.update(hashlib.sha256(f.raw.encode()).digest())
    return digest.hexdigest()


def _english_file(files: list[CorpusFile]) -> CorpusFile | None:
    """The authentic English text, recognised by its `### Article N` headings; optional, at most one."""
    english = [f for f in files if looks_like_english_convention(f.raw)]
    if len(english) > 1:
        names = ", ".join(f.path.name for f in english)
        raise CorpusError(f"expected at most one English convention text in the corpus, found: {names}")
    return english[0] if english else None


def load_corpus(files: list[CorpusFile]) -> tuple[list[Chunk], AlignmentReport | None]:
    """Parse every file; exactly one Ukrainian convention, at most one English one paired with it.

    The report is None when the corpus has no English text. A provision on one side only raises
    CorpusError; sub-paragraphs that differ are AlignmentWarnings (see qa.alignment.check).
    """
    chunks: list[Chunk] = []
    english = _english_file(files)
    conventions = [f for f in files if f is not english and looks_like_convention(f.raw)]
    if len(conventions) != 1:
        names = ", ".join(f.path.name for f in conventions) or "none"
        raise CorpusError(f"expected exactly one convention text in the corpus, found: {names}")
    for f in files:
        if f is english:
            continue
        if f in conventions:
            chunks.extend(parse_convention(f.raw, str(f.path)))
        else:
            chunks.extend(parse_commentary(f.raw, str(f.path), f.doc_id))
    ids = [c.chunk_id for c in chunks]
    if len(set(ids)) != len(ids):
        raise CorpusError("two corpus files produce the same chunk ids; rename one of them")
    if english is None:
        return chunks, None
    chunks, report = align(chunks, parse_english(english.raw, str(english.path)))
    check(report)
    return chunks, report


def load_chunks(files: list[CorpusFile]) -> list[Chunk]:
    """Parse every file into chunks (Ukrainian text, with the English text beside it when present)."""
    return load_corpus(files)[0]


def source_texts(files: list[CorpusFile]) -> dict[str, str]:
    """Whole text of each source with whitespace folded, keyed as citations name sources.

    The English convention is rendered from its markdown (`convention:en`), so an English quote
    is checked against the text a reader sees, not against link targets and emphasis markers.
    """
    out: dict[str, str] = {}
    english = _english_file(files)
    for f in files:
        if f is english:
            out[ENGLISH_SOURCE] = english_source_text(f.raw)
            continue
        key = "convention" if looks_like_convention(f.raw) else f.doc_id
        out[key] = " ".join(f.raw.split())
    return out
