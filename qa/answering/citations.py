"""Citations: labels in the formats lawyers use, and the check that every quote is verbatim corpus text."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from ..sources.chunks import CLOSING, CONVENTION, HEADER, PREAMBLE, Chunk
from ..sources.formats import place

PART_LABELS = {HEADER: ("Відомості про документ", "Document details"), CLOSING: ("Заключна формула", "Closing formula")}


@dataclass(frozen=True)
class Citation:
    marker: int
    source: str
    article: str | None
    paragraph: str | None
    subparagraph: str | None
    label: str
    chunk_id: str
    quote: str
    title: str = ""
    part: str = ""  # article number, "header"/"preamble"/"closing", or the commentary id: what scoring compares
    quotes: tuple[tuple[str, str], ...] = ()  # the same span in each language the provision has: (("uk", …), ("en", …))
    page: int | None = None  # the page of a PDF source the quoted paragraph starts on; None elsewhere

    def to_json(self) -> dict:
        data = asdict(self)
        data["quotes"] = dict(self.quotes)
        return data


def _sub_parts(sub: str) -> tuple[str, str | None]:
    letter, _, roman = sub.partition(".")
    return letter, roman or None


def label(chunk: Chunk, lang: str, subparagraph: str | None = None) -> str:
    """`п. 2 ст. 16` / `Article 16(2)`; `пп. a п. 1 ст. 6` / `Article 6(1)(a)`; commentary and parts by name;
    another act's provisions with its name: `п. 2 ст. 3 Додаткового протоколу` / `Additional Protocol, Article 3(2)`."""
    if chunk.source != CONVENTION and (chunk.act_uk or chunk.act_en):
        return _act_label(chunk, lang, subparagraph)
    if chunk.source != CONVENTION:
        word = "Коментар" if lang == "uk" else "Commentary"  # `Коментар: <назва>, с. 12, абз. 3`
        return f"{word}: {chunk.doc_title}, {place(chunk.page, chunk.path, chunk.paragraph, lang)}"
    if chunk.kind in PART_LABELS:
        uk, en = PART_LABELS[chunk.kind]
        return uk if lang == "uk" else en
    if chunk.kind == PREAMBLE:
        return f"Преамбула, абз. {chunk.paragraph}" if lang == "uk" else f"Preamble, recital {chunk.paragraph}"
    return provision_label(chunk.article, chunk.paragraph, subparagraph, lang)


def _act_label(chunk: Chunk, lang: str, subparagraph: str | None) -> str:
    """A provision or part of an act other than the Convention, named by that act."""
    act = act_citation_name(chunk, lang)
    if chunk.is_act_article:
        return provision_label(chunk.article, chunk.paragraph, subparagraph, lang, act)
    if chunk.kind == PREAMBLE:
        recital = f", абз. {chunk.paragraph}" if lang == "uk" else f", recital {chunk.paragraph}"
        return (f"Преамбула {act}" if lang == "uk" else f"{act}, Preamble") + (recital if chunk.paragraph else "")
    uk, en = PART_LABELS.get(chunk.kind, (chunk.title_uk, chunk.title_en))
    if lang == "en":
        return f"{act}, {en}"
    return f"{uk} {act}" if chunk.kind == CLOSING else f"{uk}: {chunk.doc_title}"


def act_citation_name(chunk: Chunk, lang: str) -> str:
    """How citations name the act a chunk belongs to ("" for the Convention): genitive Ukrainian, English."""
    if chunk.source == CONVENTION:
        return ""
    return (chunk.act_uk or chunk.doc_title) if lang == "uk" else (chunk.act_en or chunk.act_uk or chunk.doc_title)


def provision_label(article: str, paragraph: str | None, subparagraph: str | None, lang: str, act: str = "") -> str:
    """The one place the citation formats of the design brief are written; `act` names an act other than
    the Convention (its genitive in Ukrainian, its English name in English)."""
    if lang == "uk":
        parts = []
        if subparagraph:
            letter, roman = _sub_parts(subparagraph)
            parts.append(f"пп. {letter}({roman})" if roman else f"пп. {letter}")
        if paragraph:
            parts.append(f"п. {paragraph}")
        parts.append(f"ст. {article}")
        if act:
            parts.append(act)
        return " ".join(parts)
    text = f"{act}, Article {article}" if act else f"Article {article}"
    if paragraph:
        text += f"({paragraph})"
    if subparagraph:
        letter, roman = _sub_parts(subparagraph)
        text += f"({letter})" + (f"({roman})" if roman else "")
    return text


def title(chunk: Chunk, lang: str) -> str:
    return chunk.title_uk if lang == "uk" else (chunk.title_en or chunk.title_uk)


def normalise_ws(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def quote_is_verbatim(quote: str, chunk_text: str) -> bool:
    """Verbatim means: the quote occurs in the chunk, only line breaks and runs of spaces may differ."""
    q = normalise_ws(quote)
    return bool(q) and q in normalise_ws(chunk_text)


def version(chunk: Chunk, lang: str) -> str:
    """A provision's text in one language: the English version, or the chunk's own text."""
    return chunk.text_en if lang == "en" and chunk.text_en else chunk.text


def unsupported(citations: list[Citation], retrieved: dict[str, Chunk]) -> list[str]:
    """Problems with a citation list: cited chunks that were not retrieved, quotes not in the corpus
    (the quote in either version, each of `quotes` in its own language's version)."""
    problems = []
    for c in citations:
        chunk = retrieved.get(c.chunk_id)
        if chunk is None:
            problems.append(f"[{c.marker}] {c.label}: chunk {c.chunk_id} was not retrieved")
        elif not (quote_is_verbatim(c.quote, chunk.text) or quote_is_verbatim(c.quote, chunk.text_en)):
            problems.append(f"[{c.marker}] {c.label}: quote is not verbatim corpus text")
        elif any(not quote_is_verbatim(q, version(chunk, lang)) for lang, q in c.quotes):
            problems.append(f"[{c.marker}] {c.label}: a quote in `quotes` is not verbatim corpus text")
    return problems
