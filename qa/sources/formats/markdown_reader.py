"""Markdown through markdown-it-py: ATX/setext headings give the heading path; list items, ordered numbers,
tables and code blocks are kept; inline markup (emphasis, links, code) is reduced to its text."""

from __future__ import annotations

import re
from typing import Any

from .blocks import BlockBuilder, add_text_block
from .model import Block

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)
_META_TITLE = re.compile(r"^title:\s*(.+?)\s*$", re.M | re.I)


def read_markdown(text: str) -> tuple[tuple[Block, ...], str | None]:
    """Blocks of a Markdown document, and its title (front matter's `title:`, else the first # heading).

    YAML front matter (Jekyll, Hugo, Obsidian notes) is metadata, not text: without this its closing
    `---` would turn the last key into a setext heading."""
    from markdown_it import MarkdownIt

    title: str | None = None
    front = _FRONT_MATTER.match(text)
    if front:
        meta = _META_TITLE.search(front.group(1))
        title = meta.group(1).strip("\"'") if meta else None
        text = text[front.end():]
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    builder = BlockBuilder()
    items: list[dict[str, Any]] = []  # open list items: their number label and whether it was used
    row: list[str] | None = None  # cells of the table row being read
    heading_level = 0
    for token in tokens:
        kind = token.type
        if kind == "heading_open":
            heading_level = int(token.tag[1])
        elif kind == "list_item_open":
            ordered = token.markup in {".", ")"}
            items.append({"label": token.info if ordered and token.info else None, "used": False,
                          "markup": token.markup})
        elif kind == "list_item_close":
            items.pop()
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close" and row is not None:
            builder.paragraph(" | ".join(cell for cell in row if cell))
            row = None
        elif kind in {"fence", "code_block"}:
            builder.paragraph(token.content)
        elif kind == "inline":
            content = _inline_text(token)
            if heading_level:
                builder.heading(content, heading_level)
                title = title or (content if heading_level == 1 else None)
                heading_level = 0
            elif row is not None:
                row.append(content)
            elif items:
                _list_block(builder, items[-1], content)
            else:
                add_text_block(builder, content)
    return builder.build(), title


def _list_block(builder: BlockBuilder, item: dict[str, Any], content: str) -> None:
    """An ordered item shows its number as the reader sees it ("3. …"); only its first paragraph has it."""
    label = item["label"] if not item["used"] else None
    item["used"] = True
    if label:
        builder.paragraph(f"{label}{item['markup']} {content}", "list_item", numbering=label)
    else:
        builder.paragraph(content, "list_item")


def _inline_text(token: Any) -> str:
    parts: list[str] = []
    for child in token.children or ():
        if child.type in {"text", "code_inline", "html_inline"}:
            parts.append(child.content)
        elif child.type in {"softbreak", "hardbreak"}:
            parts.append(" ")
        elif child.type == "image":
            parts.append(child.content)
    return "".join(parts)
