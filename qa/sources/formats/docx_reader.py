"""DOCX through python-docx: headings by style (Heading N, localized names) or outline level, automatic
numbering rendered as Word shows it ("1.", "2.3.", "a)"), list items, and tables row by row, in body order.

python-docx reads the package and the XML; it does not compute list numbers, so the counters of
numbering.xml (abstract level formats, lvlText patterns, start values) are applied here.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .blocks import BlockBuilder, add_text_block, clean
from .errors import fail
from .model import Block

_W = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}
_HEADING_STYLE = re.compile(r"^(?:heading|заголовок|überschrift|titre)\s*(\d)$", re.I)


def read_docx(path: Path) -> tuple[tuple[Block, ...], str | None]:
    """Blocks of a Word document and its title (document properties, else the Title style paragraph)."""
    import docx
    from docx.table import Table

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several types for a damaged package
        raise fail(path, f"corrupted DOCX ({type(exc).__name__})", "open it in Word and save it again") from None
    numbering = _Numbering(document)
    builder = BlockBuilder()
    title = clean(document.core_properties.title or "") or None
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            _table(builder, item)
            continue
        text = clean(item.text)
        if not text:
            continue
        level = _heading_level(item)
        if level is not None:
            if level == 0:
                title = title or text
            builder.heading(text, max(level, 1))
            continue
        label, bullet = numbering.label(item)
        list_style = "list" in (item.style.name or "").lower() if item.style is not None else False
        if label is not None:
            kind = "list_item" if list_style else "paragraph"
            builder.paragraph(f"{label} {text}", kind, numbering=label.rstrip(".)").lstrip("("))
        elif bullet or list_style:
            builder.paragraph(text, "list_item")
        else:
            add_text_block(builder, text)
    return builder.build(), title


def _xpath(element: Any, expression: str) -> list[Any]:
    """XPath with the w: prefix on any element (python-docx's own elements and plain lxml ones alike)."""
    from lxml import etree

    return etree._Element.xpath(element, expression, namespaces=_W)


def _style_chain(paragraph: Any) -> list[Any]:
    chain, style = [], paragraph.style
    while style is not None and len(chain) < 10:
        chain.append(style)
        style = style.base_style
    return chain


def _heading_level(paragraph: Any) -> int | None:
    """0 for the Title style, n for Heading n (by name) or outline level n-1, else None (body text)."""
    chain = _style_chain(paragraph)
    for style in chain:
        name = (style.name or "").strip()
        if name.lower() in {"title", "назва"}:
            return 0
        m = _HEADING_STYLE.match(name)
        if m:
            return int(m.group(1))
    for element in [paragraph._p] + [style.element for style in chain]:
        found = _xpath(element, "./w:pPr/w:outlineLvl/@w:val")
        if found:
            value = int(found[0])
            return value + 1 if value < 9 else None
    return None


def _table(builder: BlockBuilder, table: Any) -> None:
    for row in table.rows:
        seen: set[int] = set()
        cells: list[str] = []
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell is returned once per grid column it spans
                continue
            seen.add(id(cell._tc))
            text = clean(cell.text)
            if text:
                cells.append(text)
        if cells:
            builder.paragraph(" | ".join(cells))


_ROMAN = ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"), (50, "l"), (40, "xl"),
          (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i"))


def _format(value: int, fmt: str) -> str:
    if fmt in {"lowerLetter", "upperLetter"}:
        letter = chr(ord("a") + (value - 1) % 26) * ((value - 1) // 26 + 1)
        return letter.upper() if fmt == "upperLetter" else letter
    if fmt in {"lowerRoman", "upperRoman"}:
        out, rest = "", value
        for size, digits in _ROMAN:
            while rest >= size:
                out, rest = out + digits, rest - size
        return out.upper() if fmt == "upperRoman" else out
    return str(value)


class _Numbering:
    """Word's list counters: one set per list (numId), a level's counter restarting below a higher level."""

    def __init__(self, document: Any) -> None:
        try:
            self.root = document.part.numbering_part.element
        except (NotImplementedError, KeyError, AttributeError):
            self.root = None
        self.counters: dict[str, list[int]] = {}

    def label(self, paragraph: Any) -> tuple[str | None, bool]:
        """(rendered label such as "2.1." or None, is a bullet) for a paragraph, advancing the counters."""
        num_id, ilvl = self._num_pr(paragraph)
        if self.root is None or num_id in (None, "0"):
            return None, False
        levels = self._levels(num_id)
        if ilvl not in levels:
            return None, False
        fmt, _, _ = levels[ilvl]
        if fmt in {"bullet", "none"}:
            return None, fmt == "bullet"
        counters = self.counters.setdefault(num_id, [0] * 9)
        for deeper in range(ilvl + 1, 9):
            counters[deeper] = 0
        if counters[ilvl] == 0:
            counters[ilvl] = levels[ilvl][2]
        else:
            counters[ilvl] += 1
        pattern = levels[ilvl][1] or f"%{ilvl + 1}."

        def render(match: re.Match[str]) -> str:
            level = int(match.group(1)) - 1
            value = counters[level] or (levels[level][2] if level in levels else 1)
            return _format(value, levels[level][0] if level in levels else "decimal")

        return re.sub(r"%(\d)", render, pattern), False

    def _num_pr(self, paragraph: Any) -> tuple[str | None, int]:
        for element in [paragraph._p] + [style.element for style in _style_chain(paragraph)]:
            num = _xpath(element, "./w:pPr/w:numPr/w:numId/@w:val")
            if num:
                lvl = _xpath(element, "./w:pPr/w:numPr/w:ilvl/@w:val")
                return str(num[0]), int(lvl[0]) if lvl else 0
        return None, 0

    def _levels(self, num_id: str) -> dict[int, tuple[str, str, int]]:
        """ilvl → (numFmt, lvlText, start) of the abstract list a numId points to."""
        abstract = _xpath(self.root, f'./w:num[@w:numId="{num_id}"]/w:abstractNumId/@w:val')
        if not abstract:
            return {}
        levels: dict[int, tuple[str, str, int]] = {}
        for lvl in _xpath(self.root, f'./w:abstractNum[@w:abstractNumId="{abstract[0]}"]/w:lvl'):
            ilvl = int(_xpath(lvl, "./@w:ilvl")[0])
            fmt = (_xpath(lvl, "./w:numFmt/@w:val") or ["decimal"])[0]
            text = (_xpath(lvl, "./w:lvlText/@w:val") or [""])[0]
            start = int((_xpath(lvl, "./w:start/@w:val") or ["1"])[0])
            levels[ilvl] = (fmt, text, start)
        return levels
