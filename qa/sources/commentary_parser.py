"""Commentary documents: one chunk per paragraph, language detected per paragraph.

Commentary arrives in two shapes: paragraphs separated by blank lines, or (as in the shipped
abstract) hard-wrapped text with no blank lines at all, where a short line ending a sentence
closes a paragraph and a switch of language inside a line starts a new one.
"""

from __future__ import annotations

import re
import statistics

from ..errors import CorpusError
from .chunks import Chunk
from .convention_parser import split_blocks
from .crossrefs import extract_links
from .language import detect_language

_SENTENCE_END = re.compile(r"[.!?…:;»”\"]$")
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?…])\s+(?=[A-ZА-ЯІЇЄҐ“«\"])")
_TITLE_LINE = re.compile(r"^(?:#\s+|Title:\s*|Назва:\s*)(.+)$")


def _paragraphs_from_wrapped(lines: list[str]) -> list[str]:
    """Rebuild paragraphs from hard-wrapped lines: a sentence-final line well short of the wrap width ends one.

    The wrap width is measured per language, since Cyrillic and Latin lines wrap at different lengths.
    """
    langs = [detect_language(line) for line in lines]
    wrap: dict[str, int] = {}
    for lang in set(langs):
        widths = sorted(len(line) for line, ln in zip(lines, langs) if ln == lang)
        wrap[lang] = widths[int(len(widths) * 0.75)]
    paragraphs: list[list[str]] = [[]]
    for line, lang in zip(lines, langs):
        paragraphs[-1].append(line)
        if _SENTENCE_END.search(line) and len(line) < 0.9 * wrap[lang]:
            paragraphs.append([])
    return [" ".join(p) for p in paragraphs if p]


def _split_on_language(paragraph: str) -> list[str]:
    """A paragraph whose sentences change language becomes one paragraph per run of the same language."""
    sentences = _SENTENCE_SPLIT.split(paragraph)
    runs: list[tuple[str, list[str]]] = []
    for sentence in sentences:
        lang = detect_language(sentence)
        if runs and runs[-1][0] == lang:
            runs[-1][1].append(sentence)
        else:
            runs.append((lang, [sentence]))
    return [" ".join(parts) for _, parts in runs]


MAX_CHUNK_CHARS = 2000  # ~500 tokens, the embedder's window; the shipped corpus's longest paragraph is 965


def bounded(paragraph: str, limit: int = MAX_CHUNK_CHARS) -> list[str]:
    """An over-long paragraph as consecutive pieces of at most `limit` characters, cut between sentences,
    else between words, else anywhere: one 50 MB line must not become one chunk the embedder chokes on.
    Each piece is verbatim text of the paragraph, so quotes from it stay verbatim."""
    if len(paragraph) <= limit:
        return [paragraph]
    pieces: list[str] = []
    current = ""
    for sentence in _SENTENCE_SPLIT.split(paragraph):
        while len(sentence) > limit:
            cut = sentence.rfind(" ", 0, limit + 1)
            cut = cut if cut > 0 else limit
            if current:
                pieces.append(current)
                current = ""
            pieces.append(sentence[:cut])
            sentence = sentence[cut:].lstrip(" ")
        if current and len(current) + 1 + len(sentence) > limit:
            pieces.append(current)
            current = ""
        current = f"{current} {sentence}" if current else sentence
    if current:
        pieces.append(current)
    return [piece for piece in pieces if piece.strip()]


def humanize_doc_id(doc_id: str) -> str:
    name = re.sub(r"^commentary[-_]", "", doc_id)
    return name.replace("-", " ").replace("_", " ").strip().capitalize() or doc_id


def parse_commentary(raw: str, filename: str, doc_id: str) -> list[Chunk]:
    lines = [" ".join(line.split()) for line in raw.splitlines()]
    title = humanize_doc_id(doc_id)
    if lines and (m := _TITLE_LINE.match(lines[0])):
        title = m.group(1).strip()
        lines = lines[1:]
    nonblank = [line for line in lines if line]
    if not nonblank:
        raise CorpusError(f"{filename}: the commentary file is empty")
    blocks = split_blocks("\n".join(lines))
    if len(blocks) > 1:
        paragraphs = [b.text for b in blocks]
    else:
        paragraphs = _paragraphs_from_wrapped(nonblank)
    pieces = [part for p in paragraphs for piece in _split_on_language(p) if piece.strip() for part in bounded(piece)]
    if statistics.median(len(p) for p in pieces) < 2:
        raise CorpusError(f"{filename}: no readable text")
    return [
        Chunk(
            chunk_id=f"{doc_id}:{n}",
            source=doc_id,
            kind="commentary",
            text=text,
            lang=detect_language(text),
            position=n - 1,
            paragraph=str(n),
            title_uk=title,
            title_en=title,
            links=extract_links(text),
            doc_title=title,
        )
        for n, text in enumerate(pieces, start=1)
    ]
