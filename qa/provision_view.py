"""The provision panel: a whole article (or part, or commentary) as safe HTML with the cited paragraph
highlighted, database codes as links to the legislation database, and the articles it refers to.

Every piece of corpus text goes through html.escape; the only markup is what this module writes.
"""

from __future__ import annotations

import html
import re

from .chunks import CONVENTION, Chunk
from .citations import provision_label
from .crossrefs import link_url
from .index import Index
from .titles import CHAPTER_TITLES_EN

_CODE = re.compile(r"\(\s*(\d{3,4}[_-]\d{2,3})\s*\)")


def _paragraph_html(chunk: Chunk, highlighted: bool) -> str:
    body = html.escape(chunk.text)
    body = _CODE.sub(lambda m: f'( <a class="act-link" href="{link_url(m.group(1))}" target="_blank" '
                               f'rel="noopener noreferrer">{m.group(1)}</a> )', body)
    body = body.replace("\n", "<br>")
    cls = "qa-para qa-cited" if highlighted else "qa-para"
    inner = f"<mark>{body}</mark>" if highlighted else body
    return f'<div class="{cls}" data-chunk="{html.escape(chunk.chunk_id)}">{inner}</div>'


def siblings(index: Index, chunk: Chunk) -> list[Chunk]:
    """The chunks shown together with `chunk`: its whole article, its whole part, or its whole document."""
    if chunk.source == CONVENTION and chunk.article:
        return [c for c in index.chunks if c.source == CONVENTION and c.article == chunk.article]
    return [c for c in index.chunks if c.source == chunk.source and c.kind == chunk.kind]


def referenced_articles(chunks: list[Chunk]) -> list[str]:
    """Articles the shown text refers to (other than itself), in order of first mention."""
    own = {c.article for c in chunks}
    seen: dict[str, None] = {}
    for c in chunks:
        for ref in c.refs:
            article = ref.split(".")[0]
            if article not in own:
                seen.setdefault(article, None)
    return list(seen)


def provision_html(index: Index, chunk_id: str, lang: str, highlight: bool = True) -> str:
    """The whole article (or part) around `chunk_id`; `highlight` marks that paragraph as the one cited,
    which is only true when a citation opened it (not the table of contents or a cross-reference)."""
    row = index.row_of.get(chunk_id)
    if row is None:
        return f"<p>{html.escape(chunk_id)}: not in the index</p>"
    chunk = index.chunks[row]
    shown = siblings(index, chunk)
    if chunk.kind == "article":
        heading = f"Стаття {chunk.article} – {chunk.title_uk}"
        sub = chunk.title_en if lang == "en" else ""
    else:
        heading = chunk.title_uk if chunk.kind != "commentary" else f"Коментар: {chunk.doc_title}"
        sub = chunk.title_en if lang == "en" and chunk.kind != "commentary" else ""
    path = " › ".join(chunk.path)
    parts = [f'<div class="qa-provision" data-article="{html.escape(chunk.article or chunk.kind)}">',
             f"<h3>{html.escape(heading)}</h3>"]
    if sub:
        parts.append(f'<p class="qa-sub">{html.escape(sub)}</p>')
    if path:
        parts.append(f'<p class="qa-path">{html.escape(path)}</p>')
    parts.extend(_paragraph_html(c, highlight and c.chunk_id == chunk_id) for c in shown)
    refs = referenced_articles(shown)
    if refs:
        word = "Refers to" if lang == "en" else "Посилається на"
        parts.append(f'<p class="qa-refs">{word}: ' + ", ".join(
            html.escape(provision_label(a, None, None, lang)) for a in refs) + "</p>")
    parts.append("</div>")
    return "\n".join(parts)


def first_chunk_of_article(index: Index, article: str) -> str | None:
    rows = index.by_article(article)
    return index.chunks[rows[0]].chunk_id if rows else None


def toc(index: Index) -> list[tuple[str, str]]:
    """(display label, chunk id to open) for every article, with its chapter, in order."""
    entries: list[tuple[str, str]] = []
    seen: set[str] = set()
    for c in index.chunks:
        if c.source != CONVENTION or c.kind != "article" or c.article in seen:
            continue
        seen.add(c.article)
        chapter = c.path[0].split(" – ")[0] if c.path else ""
        entries.append((f"{chapter} · ст. {c.article} – {c.title_uk} / {c.title_en}", c.chunk_id))
    return entries


def toc_markdown(index: Index) -> str:
    """Chapters → sections → articles, Ukrainian and English titles, as escaped Markdown text."""
    lines: list[str] = []
    last_path: tuple[str, ...] = ()
    seen: set[str] = set()
    for c in index.chunks:
        if c.source != CONVENTION or c.kind != "article" or c.article in seen:
            continue
        seen.add(c.article)
        for depth, heading in enumerate(c.path):
            if depth >= len(last_path) or last_path[depth] != heading:
                extra = ""
                if depth == 0:
                    roman = heading.split(" – ")[0].split(" ")[-1]
                    extra = f" / Chapter {roman} – {CHAPTER_TITLES_EN.get(roman, '')}"
                lines.append("  " * depth + f"- **{_md(heading)}**{_md(extra)}")
        last_path = c.path
        lines.append("  " * len(c.path) + f"- ст. {c.article} – {_md(c.title_uk)} / {_md(c.title_en)}")
    return "\n".join(lines)


MARKDOWN_SIGNS = re.compile(r"([!\"#$%'()*+,\-./:;=?@\[\\\]^_`{|}~])")  # every ASCII sign Markdown may read


def _md(text: str) -> str:
    """Corpus text inside Markdown, shown as itself: every Markdown sign backslash-escaped (a title with
    `![x](http://…)` must not become an image the browser fetches), HTML escaped."""
    return html.escape(MARKDOWN_SIGNS.sub(r"\\\1", text))

