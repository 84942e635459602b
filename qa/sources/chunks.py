"""The unit of citation: one numbered paragraph of an article, a preamble recital, or a commentary paragraph."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

CONVENTION = "convention"

# Parts of the convention that are not articles; they stand in `article`'s place when scoring.
HEADER, PREAMBLE, CLOSING = "header", "preamble", "closing"


@dataclass(frozen=True)
class Span:
    """A lettered sub-paragraph (`a`) or roman item (`a.ii`) inside a chunk's text, by character offsets."""

    label: str
    start: int
    end: int


@dataclass(frozen=True)
class Chunk:
    chunk_id: str
    source: str  # "convention", another act's id, or the commentary document id
    kind: str  # header | preamble | article | closing | commentary
    text: str  # verbatim corpus text, wrapped lines joined by single spaces
    lang: str
    position: int  # order within its source
    article: str | None = None
    paragraph: str | None = None
    title_uk: str = ""
    title_en: str = ""
    path: tuple[str, ...] = ()  # chapter / section / title headings
    refs: tuple[str, ...] = ()  # cross-references: "2", "6.1", "9.1.a"
    links: tuple[str, ...] = ()  # database codes of other acts, e.g. "995_004"
    spans: tuple[Span, ...] = ()
    doc_title: str = ""
    # The authentic English text of the same provision (convention chunks, when the corpus has it):
    # rendered from its markdown, with sub-paragraph offsets under the same labels as `spans`.
    text_en: str = ""
    spans_en: tuple[Span, ...] = ()
    path_en: tuple[str, ...] = ()  # official English chapter / section / title headings
    # An act other than the Convention: its name as citations write it (`ст. 3 Додаткового протоколу`,
    # `Additional Protocol, Article 3`); empty for the Convention and for commentary.
    act_uk: str = ""
    act_en: str = ""
    page: int | None = None  # the page a paragraph of a PDF source starts on (`с. 12, абз. 3`); else None

    @property
    def part(self) -> str:
        """What a citation of this chunk points at: article number, a named part, or the document id;
        another act's article is `<source>:art<number>`, never the Convention's article of that number."""
        if self.article:
            return self.article if self.source == CONVENTION else f"{self.source}:art{self.article}"
        if self.source == CONVENTION:
            return self.kind
        return self.source

    @property
    def is_act_article(self) -> bool:
        """An article of an act, the Convention's or another's (what labels, the panel and filters treat alike)."""
        return self.kind == "article" and self.article is not None

    def embedding_text(self) -> str:
        """Context carried into the vector so "the article on illegal access" finds Article 2."""
        if self.kind == "article" and self.source != CONVENTION:
            head = f"{self.doc_title}. Стаття {self.article} – {self.title_uk}."
        elif self.kind == "article":
            head = f"Стаття {self.article} – {self.title_uk} ({self.title_en})."
        elif self.kind == "commentary":
            head = f"Коментар / Commentary: {self.doc_title}."
            if self.path:  # a section's headings say what its paragraphs are about
                head = f"{head} {' › '.join(self.path)}."
        else:
            head = f"{self.title_uk} ({self.title_en})."
        return f"{head} {self.text}"

    def embedding_text_en(self) -> str:
        """The English version with its context, embedded beside the Ukrainian one ("" when there is none)."""
        if not self.text_en:
            return ""
        head = f"Article {self.article} – {self.title_en}." if self.kind == "article" else f"{self.title_en}."
        return f"{head} {self.text_en}"

    def english_text(self) -> str:
        """What English words this chunk is found by: its English version, or its own text when it is English."""
        return self.text_en or (self.text if self.lang == "en" else "")

    def span_at(self, start: int, end: int) -> Span | None:
        """The innermost sub-paragraph that holds [start, end) of `text` entirely, if any."""
        return _innermost(self.spans, start, end)

    def span_en_at(self, start: int, end: int) -> Span | None:
        """The same for [start, end) of `text_en`: a quote from the English text cited as `Article 1(d)`."""
        return _innermost(self.spans_en, start, end)

    def to_row(self) -> dict:
        row = asdict(self)
        for key in ("path", "refs", "links", "path_en"):
            row[key] = json.dumps(list(row[key]), ensure_ascii=False)
        for key in ("spans", "spans_en"):
            row[key] = json.dumps([[s.label, s.start, s.end] for s in getattr(self, key)])
        return row

    @classmethod
    def from_row(cls, row: dict) -> "Chunk":
        data = dict(row)
        for key in ("path", "refs", "links", "path_en"):
            data[key] = tuple(json.loads(data[key]))
        for key in ("spans", "spans_en"):
            data[key] = tuple(Span(label, s, e) for label, s, e in json.loads(data[key]))
        return cls(**data)


def _innermost(spans: tuple[Span, ...], start: int, end: int) -> Span | None:
    best = None
    for span in spans:
        if span.start <= start and end <= span.end:
            if best is None or span.end - span.start < best.end - best.start:
                best = span
    return best


CHUNK_FIELDS = tuple(Chunk.__dataclass_fields__)
