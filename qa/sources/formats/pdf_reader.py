"""PDF with a text layer through pypdf, page by page, with paragraphs rebuilt from the lines.

pypdf's layout mode keeps vertical gaps as blank lines and indentation as leading spaces; from those a
paragraph starts after a gap wider than the page's usual line gap, at an indented first line, at a number
or bullet, or after a short line ending a sentence. Lines at the top and bottom of pages that repeat
(running headers and footers, with digits ignored) and bare page numbers are dropped; hyphenated line
breaks are joined; a paragraph broken by a page boundary is continued, keeping the page it started on.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .blocks import BlockBuilder, act_heading_level, clean, join_lines, numbering_of
from .errors import fail
from .model import Block

_PAGE_NUMBER = re.compile(r"^[\W_]*(?:(?:с|стор|сторінка|page|p)\.?\s*)?(?:\d{1,4}|[ivxlc]{1,6})"
                          r"(?:\s*(?:з|of|/|із)\s*\d{1,4})?[\W_]*$", re.I)
_BULLET = re.compile(r"^[•●▪◦‣∙·–—-]\s+")
_SENTENCE_END = (".", "!", "?", ":", ";", "…", "»", "\"", "”", ")")
_CENTRED = 12  # leading spaces beyond the margin that mean centred (a heading), not a first-line indent
_EDGE = 2  # lines at the top and at the bottom of a page that may be running headers or footers


@dataclass
class _Para:
    page: int
    lines: list[str] = field(default_factory=list)
    forced: bool = False  # starts a paragraph for certain (gap, indent, number or bullet)


def read_pdf(path: Path) -> tuple[tuple[Block, ...], str | None, int]:
    """(blocks, title from the metadata, page count) of a PDF that has a text layer."""
    pages = _page_texts(path)
    if not any(text.strip() for text in pages):
        raise fail(path, f"no text layer in {len(pages)} page(s): a scanned PDF, no OCR here",
                   "run OCR first (e.g. ocrmypdf) and add the result")
    page_lines = _drop_running_lines([text.splitlines() for text in pages])
    paragraphs: list[_Para] = []
    for number, lines in enumerate(page_lines, start=1):
        for para in _split_page(lines, number):
            if paragraphs and not para.forced and _continues(paragraphs[-1], para):
                paragraphs[-1].lines.extend(para.lines)
            else:
                paragraphs.append(para)
    builder = BlockBuilder(by_page=True)
    for para in paragraphs:
        _emit(builder, para)
    return builder.build(), _metadata_title(path), len(pages)


@contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """pypdf logs every repair it attempts ("EOF marker not found"); the user gets one line from us instead."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def _page_texts(path: Path) -> list[str]:
    with _quiet_pypdf():
        return _read_pages(path)


def _read_pages(path: Path) -> list[str]:
    from pypdf import PdfReader

    try:
        reader = PdfReader(str(path))
        encrypted = reader.is_encrypted
    except Exception as exc:  # pypdf raises many types on damaged files
        raise fail(path, f"corrupted PDF ({type(exc).__name__})", "export or download the PDF again") from None
    if encrypted:
        _open_encrypted(reader, path)
    try:
        texts = [_page_text(page) for page in reader.pages]
    except Exception as exc:
        raise fail(path, f"corrupted PDF ({type(exc).__name__} while reading pages)",
                   "export or download the PDF again") from None
    if not texts:
        raise fail(path, "corrupted PDF (no pages)", "export or download the PDF again")
    return texts


def _open_encrypted(reader: Any, path: Path) -> None:
    """Open a PDF encrypted with an owner password only (empty user password); refuse the rest."""
    from pypdf.errors import DependencyError

    try:
        opened = bool(reader.decrypt(""))
    except DependencyError:
        raise fail(path, "encrypted PDF (AES: opening it needs the 'cryptography' package)",
                   "pip install cryptography, or save an unprotected copy and add that") from None
    except Exception:
        opened = False
    if not opened:
        raise fail(path, "encrypted PDF (password protected)",
                   "save an unprotected copy (e.g. print to PDF) and add that")


def _page_text(page: Any) -> str:
    """Layout mode (gaps and indents kept); pypdf's plain mode when layout fails on an odd page."""
    try:
        return page.extract_text(extraction_mode="layout") or ""
    except Exception:
        return page.extract_text() or ""


def _metadata_title(path: Path) -> str | None:
    from pypdf import PdfReader

    try:
        with _quiet_pypdf():
            meta = PdfReader(str(path)).metadata
        return clean(meta.title) or None if meta and meta.title else None
    except Exception:
        return None


def _key(line: str, page: int) -> str:
    """What makes two edge lines the same running header: equal text, or equal text but for one number
    that moves with the page ("Коментар — с. 12" on page 12, "… с. 13" on page 13). A heading whose number
    does not follow the page ("Стаття 5" on page 3, "Стаття 9" on page 7) is not a running line."""
    text = clean(line).lower()
    numbers = re.findall(r"\d+", text)
    if not numbers:
        return text
    shape = re.sub(r"\d+", "#", text)
    return f"{shape}@{int(numbers[-1]) - page}"


def _edges(lines: list[str]) -> list[int]:
    """Indexes of the lines set apart at the top or bottom of a page: the first (or first two) lines when
    a blank line follows them, the last (or last two) when a blank line precedes them. Body text runs on
    without a gap, so a paragraph's own first or last line is never a candidate running line."""
    filled = [i for i, line in enumerate(lines) if line.strip()]
    found: set[int] = set()
    for k in range(1, _EDGE + 1):
        if len(filled) > k and filled[k] - filled[k - 1] > 1:
            found.update(filled[:k])
        if len(filled) > k and filled[-k] - filled[-k - 1] > 1:
            found.update(filled[-k:])
    if len(filled) == 1:
        found.add(filled[0])
    return sorted(found)


def _drop_running_lines(pages: list[list[str]]) -> list[list[str]]:
    """Without the edge lines repeated on at least 40 % of the pages (two at least) and without bare page
    numbers at a page's edge."""
    counts: Counter[str] = Counter()
    for page, lines in enumerate(pages):
        counts.update({_key(lines[i], page) for i in _edges(lines)})
    running = {key for key, n in counts.items() if n >= 2 and n >= 0.4 * len(pages)}
    cleaned = []
    for page, lines in enumerate(pages):
        drop = {i for i in _edges(lines) if _key(lines[i], page) in running or _PAGE_NUMBER.match(clean(lines[i]))}
        cleaned.append([line for i, line in enumerate(lines) if i not in drop])
    return cleaned


def _split_page(lines: list[str], page: int) -> list[_Para]:
    """Paragraphs of one page from its layout lines (gaps, indentation, markers, short sentence ends)."""
    while lines and not lines[0].strip():
        lines = lines[1:]
    text_lines: list[tuple[int, str]] = []  # (blank lines before it, line)
    gap = 0
    for line in lines:
        if line.strip():
            text_lines.append((gap, line.rstrip()))
            gap = 0
        else:
            gap += 1
    if not text_lines:
        return []
    usual_gap = _usual_gap([g for g, _ in text_lines[1:]])
    indents = Counter(len(line) - len(line.lstrip()) for _, line in text_lines)
    margin = min(indent for indent, n in indents.items() if n == max(indents.values()))
    widths = sorted(len(line.strip()) for _, line in text_lines)
    full = widths[int(0.9 * (len(widths) - 1))]
    paras: list[_Para] = []
    previous, previous_indent = "", margin
    for gap, line in text_lines:
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        starts = bool(numbering_of(stripped) or _BULLET.match(stripped) or act_heading_level(clean(stripped)))
        forced = gap > usual_gap or starts or indent > margin + 1
        short_end = previous.endswith(_SENTENCE_END) and len(previous) < 0.8 * full
        after_centred = previous_indent > margin + _CENTRED  # a centred heading, not a first-line indent
        if not paras or forced or short_end or after_centred:
            paras.append(_Para(page, [], forced))
        paras[-1].lines.append(stripped)
        previous, previous_indent = stripped, indent
    return paras


def _usual_gap(gaps: list[int]) -> int:
    """Blank lines between two lines of one paragraph: the smallest gap that is common (a quarter of all
    gaps at least); a wider one separates paragraphs. Double-spaced text has a usual gap of 1, not 0."""
    if not gaps:
        return 0
    counts = Counter(gaps)
    return min(gap for gap, n in counts.items() if n >= 0.25 * len(gaps) or n == max(counts.values()))


def _continues(last: _Para, para: _Para) -> bool:
    """A page's first lines go on with the previous page's last paragraph when that one did not end a
    sentence and these start in lower case."""
    tail = last.lines[-1] if last.lines else ""
    head = para.lines[0] if para.lines else ""
    return bool(tail) and not tail.endswith(_SENTENCE_END) and head[:1].islower()


def _emit(builder: BlockBuilder, para: _Para) -> None:
    text = join_lines(para.lines)
    if not text:
        return
    bullet = _BULLET.match(text)
    level = act_heading_level(text)
    if bullet:
        builder.paragraph(text[bullet.end():], "list_item", para.page)
    elif level is not None:
        builder.heading(text, level, para.page)
    elif _looks_like_heading(para, text):
        builder.heading(text, 1, para.page)
    else:
        builder.paragraph(text, "paragraph", para.page)


def _looks_like_heading(para: _Para, text: str) -> bool:
    """One short line, capitalised, no sentence punctuation at its end: a heading in a PDF without tags."""
    return (len(para.lines) == 1 and len(text) <= 100 and text[:1].isupper() and any(c.isalpha() for c in text)
            and not text.endswith((".", ",", ";", ":", "!", "?", "…")))
