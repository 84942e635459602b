"""The provision panel: a whole article (or part, or commentary) as safe HTML with the cited paragraph
highlighted, database codes as links to the legislation database, and the articles it refers to.

Every piece of corpus text goes through html.escape; the only markup is what this module writes.
"""

from __future__ import annotations

import html
import re

from ..answering.citations import act_citation_name, provision_label
from ..indexing.index import Index
from ..sources.chunks import CONVENTION, Chunk
from ..sources.crossrefs import link_url
from ..sources.titles import CHAPTER_TITLES_EN

_CODE = re.compile(r"\(\s*(\d{3,4}[_-]\d{2,3})\s*\)")


COLUMN_LABELS = (("en", "English (authentic)"), ("uk", "Українська (офіційний переклад)"))


def _escaped(text: str) -> str:
    """Corpus text as HTML text: escaped, database codes turned into links, line breaks kept."""
    body = html.escape(text)
    body = _CODE.sub(lambda m: f'( <a class="act-link" href="{link_url(m.group(1))}" target="_blank" '
                               f'rel="noopener noreferrer">{m.group(1)}</a> )', body)
    return body.replace("\n", "<br>")


def _version(chunk: Chunk, lang: str) -> tuple[str, tuple]:
    return (chunk.text_en, chunk.spans_en) if lang == "en" else (chunk.text, chunk.spans)


def _paragraph_html(chunk: Chunk, highlighted: bool, lang: str = "uk", subparagraph: str | None = None) -> str:
    """One language's version of a paragraph. A cited paragraph is marked; when the citation names a
    sub-paragraph that this version has (same labels in both languages), only that span is marked
    inside the cited paragraph, so the reader sees the same span in both columns."""
    text, spans = _version(chunk, lang)
    span = next((s for s in spans if s.label == subparagraph), None) if highlighted and subparagraph else None
    if span is not None:
        body = (_escaped(text[:span.start]) + '<mark class="qa-sub-cited">' + _escaped(text[span.start:span.end])
                + "</mark>" + _escaped(text[span.end:]))
    elif highlighted:
        body = f"<mark>{_escaped(text)}</mark>"
    else:
        body = _escaped(text)
    cls = "qa-para qa-cited" if highlighted else "qa-para"
    return f'<div class="{cls}" lang="{lang}" data-chunk="{html.escape(chunk.chunk_id)}">{body}</div>'


def siblings(index: Index, chunk: Chunk) -> list[Chunk]:
    """The chunks shown together with `chunk`: its whole article (of its own act), its whole part, the page
    (PDF) or section (heading path) of a commentary paragraph, or a commentary's whole document when it
    has neither (a 200-page report is not put in the panel at once)."""
    if chunk.article:
        return [c for c in index.chunks if c.source == chunk.source and c.article == chunk.article]
    if chunk.kind == "commentary" and (chunk.page is not None or chunk.path):  # its page, or its section
        return [c for c in index.chunks if c.source == chunk.source and c.kind == chunk.kind
                and (c.page == chunk.page if chunk.page is not None else c.path == chunk.path)]
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


def related(index: Index, chunk: Chunk, lang: str) -> list[tuple[str, str]]:
    """(label, chunk id) of the articles the text around `chunk` refers to, in its own act: `статті 2` in
    another act's article opens that act's Article 2, never the Convention's."""
    act = act_citation_name(chunk, lang)
    out = []
    for article in referenced_articles(siblings(index, chunk)):
        if first := first_chunk_of_article(index, article, chunk.source):
            out.append((provision_label(article, None, None, lang, act), first))
    return out


def provision_html(index: Index, chunk_id: str, lang: str, highlight: bool = True,
                   subparagraph: str | None = None) -> str:
    """The whole article (or part) around `chunk_id`, the authentic English beside the Ukrainian
    translation paragraph by paragraph (one column when the part has no English version: the header,
    commentary). `highlight` marks that paragraph as the one cited, in both columns (and its
    `subparagraph`, e.g. "a" or "a.ii", where the citation names one); it is only true when a citation
    opened it (not the table of contents or a cross-reference)."""
    row = index.row_of.get(chunk_id)
    if row is None:
        return f"<p>{html.escape(chunk_id)}: not in the index</p>"
    chunk = index.chunks[row]
    shown = siblings(index, chunk)
    langs = [code for code, _ in COLUMN_LABELS if code == "uk" or any(c.text_en for c in shown)]
    if chunk.kind == "article" and chunk.source != CONVENTION:
        word = "Article" if chunk.lang == "en" else "Стаття"  # an act in English has no translation beside it
        heading = f"{word} {chunk.article} – {chunk.title_uk}" if chunk.title_uk else f"{word} {chunk.article}"
        sub = chunk.doc_title
    elif chunk.kind == "article":
        heading = f"Стаття {chunk.article} – {chunk.title_uk}"
        sub = f"Article {chunk.article} – {chunk.title_en}" if chunk.title_en else ""
    elif chunk.kind == "commentary":
        heading = f"{'Commentary' if lang == 'en' else 'Коментар'}: {chunk.doc_title}"
        sub = ""
    else:
        heading, sub = chunk.title_uk, chunk.title_en
    paths = {"uk": " › ".join(chunk.path), "en": " › ".join(chunk.path_en)}
    if chunk.kind == "commentary" and chunk.page is not None:  # where the reader finds it: page, then section
        paths["uk"] = " · ".join(p for p in (f"{'p.' if lang == 'en' else 'с.'} {chunk.page}", paths["uk"]) if p)
    parts = [f'<div class="qa-provision" data-article="{html.escape(chunk.article or chunk.kind)}">',
             f"<h3>{html.escape(heading)}</h3>"]
    if sub:
        parts.append(f'<p class="qa-sub">{html.escape(sub)}</p>')
    grid = "qa-columns qa-two" if len(langs) == 2 else "qa-columns qa-one"
    parts.append(f'<div class="{grid}">')
    if len(langs) == 2:
        parts.extend(f'<div class="qa-col-head" lang="{code}"><b>{html.escape(name)}</b>'
                     + (f'<p class="qa-path">{html.escape(paths[code])}</p>' if paths[code] else "") + "</div>"
                     for code, name in COLUMN_LABELS)
    elif paths["uk"]:
        parts.append(f'<p class="qa-path">{html.escape(paths["uk"])}</p>')
    for c in shown:
        cited = highlight and c.chunk_id == chunk_id
        for code in langs:
            if code == "en" and not c.text_en:
                parts.append('<div class="qa-para qa-missing" lang="en"></div>')
            else:
                parts.append(_paragraph_html(c, cited, code, subparagraph if cited else None))
    parts.append("</div>")
    refs = referenced_articles(shown)
    if refs:
        word = "Refers to" if lang == "en" else "Посилається на"
        act = act_citation_name(chunk, lang)
        parts.append(f'<p class="qa-refs">{word}: ' + ", ".join(
            html.escape(provision_label(a, None, None, lang, act)) for a in refs) + "</p>")
    parts.append("</div>")
    return "\n".join(parts)


def first_chunk_of_article(index: Index, article: str, source: str = CONVENTION) -> str | None:
    rows = index.by_article(article, source)
    return index.chunks[rows[0]].chunk_id if rows else None


def act_articles(index: Index) -> list[tuple[str, list[Chunk]]]:
    """(act title, first chunk of each article) per act: the Convention first, then the others in index order."""
    acts: dict[str, tuple[str, list[Chunk]]] = {}
    seen: set[tuple[str, str]] = set()
    for c in index.chunks:
        if not c.is_act_article or (c.source, c.article) in seen:
            continue
        seen.add((c.source, c.article))
        acts.setdefault(c.source, (c.doc_title, []))[1].append(c)
    order = sorted(acts, key=lambda source: source != CONVENTION)
    return [acts[source] for source in order]


def toc(index: Index) -> list[tuple[str, str]]:
    """(display label, chunk id to open) for every article, with its chapter, in order; the Convention's
    first, then each other act's under its title (`<title> · Розділ I · ст. 1 – …`)."""
    entries: list[tuple[str, str]] = []
    for doc_title, firsts in act_articles(index):
        for c in firsts:
            chapter = c.path[0].split(" – ")[0] if c.path else ""
            if c.source == CONVENTION:
                entries.append((f"{chapter} · ст. {c.article} – {c.title_uk} / {c.title_en}", c.chunk_id))
            else:
                where = " · ".join(p for p in (doc_title, chapter) if p)
                entries.append((f"{where} · ст. {c.article} – {c.title_uk}", c.chunk_id))
    return entries


def toc_markdown(index: Index) -> str:
    """Chapters → sections → articles, Ukrainian and English titles, as escaped Markdown text."""
    lines: list[str] = []
    for doc_title, firsts in act_articles(index):
        if firsts[0].source != CONVENTION:
            lines.append(f"\n**{_md(doc_title)}**\n")
        lines.extend(_toc_lines(firsts))
    return "\n".join(lines)


def _toc_lines(firsts: list[Chunk]) -> list[str]:
    lines: list[str] = []
    last_path: tuple[str, ...] = ()
    for c in firsts:
        for depth, heading in enumerate(c.path):
            if depth >= len(last_path) or last_path[depth] != heading:
                extra = ""
                if depth == 0 and c.source == CONVENTION:
                    roman = heading.split(" – ")[0].split(" ")[-1]
                    extra = f" / Chapter {roman} – {CHAPTER_TITLES_EN.get(roman, '')}"
                lines.append("  " * depth + f"- **{_md(heading)}**{_md(extra)}")
        last_path = c.path
        english = f" / {_md(c.title_en)}" if c.title_en else ""
        lines.append("  " * len(c.path) + f"- ст. {c.article} – {_md(c.title_uk)}{english}")
    return lines


MARKDOWN_SIGNS = re.compile(r"([!\"#$%'()*+,\-./:;=?@\[\\\]^_`{|}~])")  # every ASCII sign Markdown may read


def _md(text: str) -> str:
    """Corpus text inside Markdown, shown as itself: every Markdown sign backslash-escaped (a title with
    `![x](http://…)` must not become an image the browser fetches), HTML escaped."""
    return html.escape(MARKDOWN_SIGNS.sub(r"\\\1", text))

