"""Plain text: paragraphs are runs of lines between blank lines; form feeds (pdftotext output) are pages.

An act's text copied from a legislation portal has one paragraph per line and no blank lines (`Стаття 1.
Визначення`, `1. …`, `1) …`): when a text has two or more lines that open an article, each line is a block,
as each <p> of such a page is, so the act parser sees its structure.
"""

from __future__ import annotations

import re

from .blocks import BlockBuilder, add_text_block, join_lines
from .model import Block


_ARTICLE_LINE = re.compile(r"^[ \t]*(?:Стаття|Article)[ \t]+\d", re.MULTILINE)


def read_text(text: str) -> tuple[tuple[Block, ...], str | None]:
    """Blocks of a decoded text, and its title (the first line when it is short and not a sentence)."""
    line_per_block = len(_ARTICLE_LINE.findall(text)) >= 2 and "\n\n" not in text.strip()
    pages = text.split("\f")
    paged = len(pages) > 1
    builder = BlockBuilder(by_page=paged)
    for number, page in enumerate(pages, start=1):
        current: list[str] = []
        for line in page.splitlines() + [""]:
            if line.strip():
                current.append(line)
                if not line_per_block:
                    continue
            if current:
                add_text_block(builder, join_lines(current), number if paged else None)
                current = []
    blocks = builder.build()
    return blocks, _title(blocks)


def _title(blocks: tuple[Block, ...]) -> str | None:
    if not blocks:
        return None
    first = blocks[0].text
    return first if len(first) <= 150 and not first.endswith((".", ";", ",")) else None
