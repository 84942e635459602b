"""What every reader shares: whitespace cleanup, numbering labels, act headings, and the builder that
gives blocks their heading path and paragraph ordinal the same way in every format."""

from __future__ import annotations

import re

from .model import Block

# "1.", "1)", "2.3.", "(4)", "a)", "а)", "(b)", "a." — the labels a numbered paragraph or item is printed with.
_NUMBERING = re.compile(
    r"^(?:\((?P<paren>\d{1,3}|[a-zа-яіїєґ])\)"
    r"|(?P<num>\d{1,3}(?:\.\d{1,3})*)[.)]"
    r"|(?P<letter>[a-zа-яіїєґ])[.)])(?=\s)")
_DASH = r"\s*(?:[.–—-]\s*)"
# Heading lines of legislation: "Стаття 3 – Нелегальне перехоплення", "Стаття 1. Визначення термінів",
# "Розділ I", "Article 16 – Expedited preservation". The rest after the number is a title, not a sentence.
_ACT_HEADING = re.compile(
    rf"^(?P<word>Розділ|Глава|Частина|Заголовок|Стаття|Chapter|Section|Title|Article)\s+"
    rf"(?P<num>[IVXLC]+|\d+(?:[-‐]\d+)?)(?:{_DASH}(?P<title>[^\s].*))?\.?$")
_ACT_LEVELS = {"Розділ": 1, "Chapter": 1, "Глава": 2, "Частина": 2, "Section": 2, "Заголовок": 3,
               "Title": 3, "Стаття": 4, "Article": 4}


def clean(text: str) -> str:
    """One line, single spaces: soft hyphens and zero-width marks gone, non-breaking spaces made spaces."""
    text = text.replace("\u00ad", "").replace("\u200b", "").replace("\ufeff", "")
    return " ".join(text.split())


def numbering_of(text: str) -> str | None:
    """The label a paragraph is printed with ('1', '2.3', 'a'), or None when it has none."""
    m = _NUMBERING.match(text)
    if not m:
        return None
    return m.group("paren") or m.group("num") or m.group("letter")


def act_heading_level(text: str) -> int | None:
    """1–4 for a heading line of an act (Розділ … Стаття / Chapter … Article), else None.

    A sentence that merely starts with "Стаття 16 Конвенції …" is not a heading: after the number only a
    dash or dot and a short title may follow, and a title does not end with a full stop or colon.
    """
    if len(text) > 250:
        return None
    m = _ACT_HEADING.match(text)
    if not m:
        return None
    title = m.group("title") or ""
    if title.rstrip().endswith((":", ";", ",")) or title.count(". ") > 1:
        return None
    if title.endswith(".") and len(title) > 100:  # "Стаття 2. Сторона може вимагати, щоб …." is a sentence
        return None
    return _ACT_LEVELS[m.group("word")]


def is_article_heading(text: str) -> bool:
    return act_heading_level(text) == 4


class BlockBuilder:
    """Collects blocks in reading order. Headings open sections (a level-n heading closes the open
    headings at levels ≥ n); paragraphs and list items get their ordinal within the page (`by_page`,
    PDF) or within the current section (every other format)."""

    def __init__(self, by_page: bool = False) -> None:
        self.by_page = by_page
        self.blocks: list[Block] = []
        self._path: list[tuple[int, str]] = []
        self._count = 0
        self._page: int | None = None

    def heading(self, text: str, level: int, page: int | None = None) -> None:
        text = clean(text)
        if not text:
            return
        while self._path and self._path[-1][0] >= level:
            self._path.pop()
        self.blocks.append(Block(text, "heading", page, self._headings(), None, numbering_of(text)))
        self._path.append((level, text))
        if not self.by_page:
            self._count = 0

    def paragraph(self, text: str, kind: str = "paragraph", page: int | None = None,
                  numbering: str | None = None) -> None:
        text = clean(text)
        if not text:
            return
        if self.by_page and page != self._page:
            self._page, self._count = page, 0
        self._count += 1
        label = numbering if numbering is not None else numbering_of(text)
        self.blocks.append(Block(text, kind, page, self._headings(), self._count, label))

    def _headings(self) -> tuple[str, ...]:
        return tuple(text for _, text in self._path)

    def build(self) -> tuple[Block, ...]:
        return tuple(self.blocks)


def join_lines(lines: list[str]) -> str:
    """Hard-wrapped lines as one paragraph: a word hyphenated across a line break ("комп'ютер-" + "них")
    is joined without its hyphen when the next line goes on in lower case; other lines meet with a space."""
    out = ""
    for raw in lines:
        line = clean(raw)
        if not line:
            continue
        if out.endswith(("-", "\u00ad")) and len(out) > 1 and out[-2].isalpha() and line[0].islower():
            out = out[:-1] + line
        else:
            out = f"{out} {line}" if out else line
    return out


def add_text_block(builder: BlockBuilder, text: str, page: int | None = None, kind: str = "paragraph",
                   numbering: str | None = None) -> None:
    """A paragraph, unless it is an act's heading line (`Стаття 3 – …`, `Розділ I`), which opens a section."""
    level = act_heading_level(clean(text)) if kind == "paragraph" else None
    if level is not None:
        builder.heading(text, level, page)
    else:
        builder.paragraph(text, kind, page, numbering)
