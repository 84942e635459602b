"""The document model every reader returns: a source file as an ordered tuple of citable blocks.

A `Block` keeps just what a citation needs (page for PDF, heading path for structured formats, the
paragraph's ordinal within its page or section, and the source's own numbering), so the chunker never has
to know which format the file came in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from ..language import detect_language

_LETTER = re.compile(r"[^\W\d_]")
BLOCK_KINDS = ("heading", "paragraph", "list_item")
FORMATS = ("pdf", "docx", "html", "markdown", "text")


@dataclass(frozen=True)
class Block:
    """One heading, paragraph or list item, with its text as the reader sees it (visible numbering included).

    `page`: 1-based page the block starts on (PDF only, else None).
    `heading_path`: the enclosing headings, outermost first (for a heading: its parents, not itself).
    `paragraph`: 1-based ordinal among the non-heading blocks of its page (PDF) or of its section (other
    formats: reset at every heading); None for headings. This is the `абз. N` / `para. N` of a citation.
    `numbering`: the source's own label of a numbered paragraph or item ("1", "2.3", "a"), else None.
    """

    text: str
    kind: str = "paragraph"
    page: int | None = None
    heading_path: tuple[str, ...] = ()
    paragraph: int | None = None
    numbering: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in BLOCK_KINDS:
            raise ValueError(f"block kind must be one of {BLOCK_KINDS}, not {self.kind!r}")
        if not self.text.strip():
            raise ValueError("a block must have text")

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "kind": self.kind, "page": self.page,
                "heading_path": list(self.heading_path), "paragraph": self.paragraph,
                "numbering": self.numbering}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Block":
        return cls(text=data["text"], kind=data.get("kind", "paragraph"), page=data.get("page"),
                   heading_path=tuple(data.get("heading_path") or ()), paragraph=data.get("paragraph"),
                   numbering=data.get("numbering"))


@dataclass(frozen=True)
class SourceDocument:
    """A whole source file after reading: what the registry records and what the chunker cuts.

    `encoding` is the detected character encoding for text formats (text, Markdown, HTML), None for PDF
    and DOCX. `likely_act` says the text is shaped like legislation (`Стаття N` headings, or a page saved
    from zakon.rada.gov.ua), so an act parser should read `to_text()` instead of citing it as commentary.
    """

    title: str
    format: str
    blocks: tuple[Block, ...]
    encoding: str | None = None
    languages: tuple[str, ...] = ()
    likely_act: bool = False
    pages: int | None = None  # page count (PDF only)
    notes: tuple[str, ...] = field(default=())  # what the reader dropped or guessed, for the user to see

    def __post_init__(self) -> None:
        if self.format not in FORMATS:
            raise ValueError(f"format must be one of {FORMATS}, not {self.format!r}")

    def to_text(self) -> str:
        """Blocks as blank-line separated plain text: the input shape of the act and convention parsers."""
        return "\n\n".join(b.text for b in self.blocks) + "\n"

    def to_json(self) -> dict[str, Any]:
        return {"title": self.title, "format": self.format, "encoding": self.encoding,
                "languages": list(self.languages), "likely_act": self.likely_act, "pages": self.pages,
                "notes": list(self.notes), "blocks": [b.to_json() for b in self.blocks]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "SourceDocument":
        return cls(title=data["title"], format=data["format"], encoding=data.get("encoding"),
                   languages=tuple(data.get("languages") or ()), likely_act=bool(data.get("likely_act")),
                   pages=data.get("pages"), notes=tuple(data.get("notes") or ()),
                   blocks=tuple(Block.from_json(b) for b in data.get("blocks") or ()))


def detect_languages(texts: Iterable[str], min_share: float = 0.1) -> tuple[str, ...]:
    """Languages ('uk', 'en') holding at least `min_share` of the text's letters, the larger share first.

    Block by block, so a Ukrainian commentary quoting English articles is reported as ('uk', 'en').
    """
    weight: dict[str, int] = {}
    for text in texts:
        letters = len(_LETTER.findall(text))
        if letters:
            lang = detect_language(text)
            weight[lang] = weight.get(lang, 0) + letters
    total = sum(weight.values())
    if not total:
        return ()
    ranked = sorted(weight.items(), key=lambda kv: (-kv[1], kv[0]))
    return tuple(lang for lang, count in ranked if count / total >= min_share)


def locator(block: Block, lang: str = "uk") -> str:
    """Where a block is, in the citation's words: `с. 12, абз. 3` / `p. 12, para. 3` for PDF,
    `«Розділ 2 › Збереження даних», абз. 3` / `“Part 2 › Preservation”, para. 3` elsewhere.

    Always the ordinal, never the source's own number: a list numbered "1." inside a section would
    otherwise collide with the section's first paragraph. `block.numbering` is there for a caller that
    wants to add it (`абз. 4 (п. 2)`).
    """
    return place(block.page, block.heading_path, block.paragraph, lang)


def place(page: int | None, heading_path: tuple[str, ...], paragraph: int | str | None, lang: str = "uk") -> str:
    """The locator's words from its parts, so a chunk cut from a block is cited exactly as the block."""
    uk = lang == "uk"
    parts: list[str] = []
    if page is not None:
        parts.append(f"с. {page}" if uk else f"p. {page}")
    elif heading_path:
        path = " › ".join(heading_path)
        parts.append(f"«{path}»" if uk else f"“{path}”")
    if paragraph is not None:
        parts.append(f"абз. {paragraph}" if uk else f"para. {paragraph}")
    return ", ".join(parts)
