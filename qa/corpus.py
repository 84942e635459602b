"""The corpus folder: which files there are, what each one is, and a hash that says when it changed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .alignment import AlignmentReport, align, check
from .chunks import Chunk
from .commentary_parser import parse_commentary
from .convention_parser import looks_like_convention, parse_convention
from .english_parser import english_source_text, looks_like_english_convention, parse_english
from .errors import CorpusError

PARSER_VERSION = "2"
ENGLISH_SOURCE = "convention:en"  # source_texts key of the authentic English text
# The code and data that decide chunk text, titles and index terms: when any of them changes,
# an index built before is stale even though the corpus files are the same.
_PACKAGE = Path(__file__).parent
_BUILD_INPUTS = ("convention_parser.py", "commentary_parser.py", "crossrefs.py", "titles.py", "chunks.py",
                 "lexicon.py", "data/glossary_en_uk.tsv", "data/synonyms_uk.tsv", "english_parser.py",
                 "alignment.py")


@dataclass(frozen=True)
class CorpusFile:
    path: Path
    doc_id: str
    raw: str


def _read(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read corpus file ({exc.strerror or exc})") from exc
    if b"\x00" in data:
        raise CorpusError(f"{path}: binary data in a corpus file (expected UTF-8 text)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{path}: not UTF-8 text (byte {exc.start})") from exc


def corpus_files(corpus_dir: Path) -> list[CorpusFile]:
    if not corpus_dir.is_dir():
        raise CorpusError(f"{corpus_dir}: corpus folder not found")
    paths = sorted(p for p in corpus_dir.iterdir() if p.suffix in {".txt", ".md"} and not p.name.startswith("."))
    if not paths:
        raise CorpusError(f"{corpus_dir}: no .txt corpus files")
    return [CorpusFile(p, p.stem, _read(p)) for p in paths]


def corpus_hash(files: list[CorpusFile]) -> str:
    digest = hashlib.sha256(f"parser={PARSER_VERSION}".encode())
    for name in _BUILD_INPUTS:
        digest.update((_PACKAGE / name).read_bytes())
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
