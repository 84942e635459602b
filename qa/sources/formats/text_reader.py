"""Plain text: paragraphs are runs of lines between blank lines; form feeds (pdftotext output) are pages."""

from __future__ import annotations

from .blocks import BlockBuilder, add_text_block, join_lines
from .model import Block


def read_text(text: str) -> tuple[tuple[Block, ...], str | None]:
    """Blocks of a decoded text, and its title (the first line when it is short and not a sentence)."""
    pages = text.split("\f")
    paged = len(pages) > 1
    builder = BlockBuilder(by_page=paged)
    for number, page in enumerate(pages, start=1):
        current: list[str] = []
        for line in page.splitlines() + [""]:
            if line.strip():
                current.append(line)
            elif current:
                add_text_block(builder, join_lines(current), number if paged else None)
                current = []
    blocks = builder.build()
    return blocks, _title(blocks)


def _title(blocks: tuple[Block, ...]) -> str | None:
    if not blocks:
        return None
    first = blocks[0].text
    return first if len(first) <= 150 and not first.endswith((".", ";", ",")) else None
