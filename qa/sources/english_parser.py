"""The authentic English text of the convention (markdown), parsed into the same provisions as the Ukrainian.

The English file comes from a treaty database's markdown export and keeps that export's quirks:
`### Article  16` / `####Title` headings (`###TITLE  4` with no space), items `a)` and `(i)`, a bare
`2.` line whose lettered items follow on their own lines, numbered paragraphs on consecutive lines
with no blank line between them, `*ordre public*` emphasis, ``` ``term" ``` quotation marks, links to
other treaties, and a preamble that is one paragraph of recitals separated by `;`. The file is never
edited: its markdown is rendered to plain text (links become their text, emphasis markers go,
``` `` ``` becomes `"`), and nothing else changes, so every provision text can be found verbatim in
`english_source_text` of the same file (hyphenation remnants such as `com-munication's` stay).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import CorpusError
from .act_parser import ArticleDraft, closed_spans
from .chunks import CLOSING, CONVENTION, PREAMBLE, Span

# A link's target may hold one level of parentheses: `.../wipo/copyright/treaty/(wct)/(1996)/...`.
_LINK = re.compile(r"\[([^\]\n]*)\]\((?:[^()\s]|\([^()\s]*\))*\)")
_EMPHASIS = re.compile(r"(\*{1,2})(?=\S)([^*\n]*?\S)\1")
_OPEN_QUOTE = "``"

_HEADING = re.compile(r"^###(?!#)\s*(CHAPTER|SECTION|TITLE|Article)\s+(\d+|[IVX]+)\s*$")
_SUBHEADING = re.compile(r"^####(?!#)\s*(.*?)\s*$")
_ANY_ARTICLE = re.compile(r"^###(?!#)\s*Article\s+\d+\s*$", re.MULTILINE)
_PREAMBLE = re.compile(r"^Preamble\b\s*")
_CLOSING_START = ("IN WITNESS WHEREOF",)
_NUMBERED = re.compile(r"^(\d+)\.(?=\s|$)\s*")
_LETTER = re.compile(r"^([a-z])\)\s*")
_ROMAN = re.compile(r"^\((i{1,3}|iv|v|vi{1,3}|ix|x)\)\s*")
# The opening of the preamble ("The member States … signatory hereto,") runs into the first recital.
_OPENING_END = re.compile(r",\s+(?=[A-Z])")

DOC_TITLE_EN = "Convention on Cybercrime"


def render_inline(md: str) -> str:
    """Markdown inline syntax to plain text: links to their text, emphasis markers dropped, `` to ".

    Nothing else changes (no whitespace folding, no hyphenation repair), so quotes stay verbatim.
    """
    text = _LINK.sub(lambda m: m.group(1), md)
    text = _EMPHASIS.sub(lambda m: m.group(2), text)
    return text.replace(_OPEN_QUOTE, '"')


def _render_line(line: str) -> str:
    """One source line as provision text: heading markers off, inline markdown rendered, whitespace folded."""
    stripped = line.strip()
    if stripped.startswith("#"):
        stripped = stripped.lstrip("#")
    return " ".join(render_inline(stripped).split())


def english_source_text(raw: str) -> str:
    """The whole English document as plain text with whitespace folded: what quotes are checked against."""
    return " ".join(" ".join(_render_line(line) for line in raw.splitlines()).split())


def looks_like_english_convention(raw: str) -> bool:
    """Recognised by content: markdown `### Article N` headings (file names say nothing reliable)."""
    return _ANY_ARTICLE.search(raw) is not None


def _display(kind: str, number: str, title: str) -> str:
    """`CHAPTER II` + `MEASURES TO BE …` -> `Chapter II – Measures to be …` (the printed treaty's casing)."""
    if title.isupper() or not any(ch.isalpha() for ch in title):
        title = title[:1].upper() + title[1:].lower()
    return f"{kind.capitalize()} {number} – {title}"


@dataclass(frozen=True)
class EnglishProvision:
    """One provision of the English text, keyed exactly like the Ukrainian chunk it pairs with."""

    chunk_id: str  # convention:art16:2, convention:preamble:3, convention:closing
    kind: str  # preamble | article | closing
    text: str  # rendered text; source lines joined by "\n", whitespace inside a line folded
    line: int  # 1-based line of the provision in the English file, for error messages
    article: str | None = None
    paragraph: str | None = None
    title: str = ""
    path: tuple[str, ...] = ()  # "Chapter II – Measures …", "Section 1 – …", "Title 1 – …"
    spans: tuple[Span, ...] = ()

    def to_json(self) -> dict:
        return {
            "chunk_id": self.chunk_id, "kind": self.kind, "text": self.text, "line": self.line,
            "article": self.article, "paragraph": self.paragraph, "title": self.title, "path": list(self.path),
            "spans": [[s.label, s.start, s.end] for s in self.spans],
        }


@dataclass(frozen=True)
class EnglishConvention:
    """The parsed English file: provisions in document order plus the official headings."""

    filename: str
    doc_title: str
    provisions: tuple[EnglishProvision, ...]
    article_titles: tuple[tuple[str, str], ...]  # ("16", "Expedited preservation of stored computer data")
    chapter_titles: tuple[tuple[str, str], ...]  # ("II", "Measures to be taken at the national level")

    def by_id(self) -> dict[str, EnglishProvision]:
        return {p.chunk_id: p for p in self.provisions}

    def article_title(self, article: str) -> str:
        return dict(self.article_titles).get(article, "")

    def to_json(self) -> dict:
        return {
            "filename": self.filename, "doc_title": self.doc_title,
            "provisions": [p.to_json() for p in self.provisions],
            "article_titles": dict(self.article_titles), "chapter_titles": dict(self.chapter_titles),
        }


@dataclass
class _Line:
    text: str  # rendered, folded
    number: int


_Article = ArticleDraft[_Line]


def _spans(lines: list[_Line]) -> tuple[str, tuple[Span, ...]]:
    """Join a paragraph's lines and record where each `a)` / `(i)` item starts and ends (labels `a`, `a.i`)."""
    starts: list[tuple[str, int, int]] = []  # (label, level, offset)
    offset = 0
    letter = ""
    for index, line in enumerate(lines):
        body = line.text
        probe = _NUMBERED.sub("", body, count=1) if index == 0 else body
        lead = len(body) - len(probe)
        if m := _LETTER.match(probe):
            letter = m.group(1)
            starts.append((letter, 1, offset + lead))
        elif (m := _ROMAN.match(probe)) and letter:
            starts.append((f"{letter}.{m.group(1)}", 2, offset + lead))
        offset += len(body) + 1
    text = "\n".join(line.text for line in lines)
    return text, closed_spans(starts, len(text))


def _recase_headings(articles: list[_Article]) -> None:
    """A heading that repeats an article's title takes that title's casing: `Title 3 – 24/7 Network`, not `network`."""
    known = {a.title.upper(): a.title for a in articles}
    for art in articles:
        recased = []
        for entry in art.path:
            head, _, title = entry.partition(" – ")
            recased.append(f"{head} – {known[title.upper()]}" if title.upper() in known else entry)
        art.path = tuple(recased)


def split_recitals(preamble: str) -> list[str]:
    """The one-paragraph English preamble as recitals: the opening, each `;`-ended recital, the final formula.

    The Ukrainian text gives each of these its own block; splitting here gives the same 18 pieces.
    """
    pieces = [p.strip() for p in re.split(r"(?<=;)\s+", preamble.strip()) if p.strip()]
    if pieces and (m := _OPENING_END.search(pieces[0])):
        pieces[0:1] = [pieces[0][: m.start() + 1], pieces[0][m.end():]]
    return pieces


class EnglishParser:
    """Turns the English markdown into provisions; raises CorpusError naming the file and line on surprises."""

    def __init__(self, raw: str, filename: str):
        self.raw = raw
        self.filename = filename

    def _error(self, line: int | None, message: str) -> CorpusError:
        where = f"{self.filename}:{line}" if line else self.filename
        return CorpusError(f"{where}: {message}")

    def parse(self) -> EnglishConvention:
        lines = [(n, line) for n, line in enumerate(self.raw.splitlines(), start=1) if line.strip()]
        if not lines:
            raise self._error(None, "the English convention file is empty")
        doc_title, preamble, articles, closing, chapters = self._structure(lines)
        self._check(articles)
        _recase_headings(articles)
        provisions: list[EnglishProvision] = []
        if preamble:
            text, line = preamble
            for n, recital in enumerate(split_recitals(text), start=1):
                provisions.append(EnglishProvision(f"{CONVENTION}:{PREAMBLE}:{n}", PREAMBLE, recital, line,
                                                   paragraph=str(n), title="Preamble"))
        for art in articles:
            provisions.extend(self._article_provisions(art))
        if closing:
            provisions.append(EnglishProvision(f"{CONVENTION}:{CLOSING}", CLOSING,
                                               "\n".join(c.text for c in closing), closing[0].number,
                                               title="Closing formula"))
        return EnglishConvention(
            filename=self.filename,
            doc_title=doc_title,
            provisions=tuple(provisions),
            article_titles=tuple((a.number, a.title) for a in articles),
            chapter_titles=tuple(chapters),
        )

    def _structure(self, lines: list[tuple[int, str]]):
        doc_title = DOC_TITLE_EN
        preamble: tuple[str, int] | None = None
        articles: list[_Article] = []
        closing: list[_Line] = []
        chapters: list[tuple[str, str]] = []
        path: dict[str, str] = {}
        state = "start"
        i = 0
        while i < len(lines):
            number, line = lines[i]
            stripped = line.strip()
            i += 1
            if m := _HEADING.match(stripped):
                kind, ordinal = m.group(1), m.group(2)
                if i >= len(lines) or not (sub := _SUBHEADING.match(lines[i][1].strip())):
                    raise self._error(number, f"heading {kind} {ordinal} is not followed by its '####Title' line")
                title = " ".join(render_inline(sub.group(1)).split())
                i += 1
                if kind == "Article":
                    articles.append(_Article(ordinal, title, tuple(path.values()), number))
                    state = "article"
                elif kind == "CHAPTER":
                    path = {"chapter": _display(kind, ordinal, title)}
                    chapters.append((ordinal, _display(kind, ordinal, title).split(" – ", 1)[1]))
                    state = "body"
                elif kind == "SECTION":
                    path = {"chapter": path.get("chapter", ""), "section": _display(kind, ordinal, title)}
                    state = "body"
                else:
                    path = {k: v for k, v in path.items() if k != "title"} | {"title": _display(kind, ordinal, title)}
                    state = "body"
                continue
            if (sub := _SUBHEADING.match(stripped)) and state == "start":
                doc_title = " ".join(render_inline(sub.group(1)).split()) or DOC_TITLE_EN
                continue
            text = _render_line(stripped)
            if state in ("start", "preamble") and (state == "preamble" or _PREAMBLE.match(text)):
                body = _PREAMBLE.sub("", text, count=1) if state == "start" else text
                preamble = (f"{preamble[0]} {body}" if preamble else body, preamble[1] if preamble else number)
                state = "preamble"
            elif state == "closing" or (state == "article" and text.startswith(_CLOSING_START)):
                state = "closing"
                closing.append(_Line(text, number))
            elif state == "article":
                articles[-1].add(_Line(text, number), _NUMBERED)
            else:
                raise self._error(number, f"text outside any article: {text[:60]!r}")
        return doc_title, preamble, articles, closing, chapters

    def _check(self, articles: list[_Article]) -> None:
        if not articles:
            raise self._error(None, "no articles found (expected headings like '### Article  1')")
        for expected, art in enumerate(articles, start=1):
            if art.number != str(expected):
                raise self._error(art.line, f"article {art.number} where article {expected} was expected")
            for position, (number, lines) in enumerate(art.paragraphs, start=1):
                if number != str(position):
                    raise self._error(lines[0].number, f"article {art.number}: paragraph {number} where "
                                                       f"paragraph {position} was expected")

    def _article_provisions(self, art: _Article) -> list[EnglishProvision]:
        out = []
        for paragraph, lines in art.pieces():
            text, spans = _spans(lines)
            suffix = f":{paragraph}" if paragraph else ""
            out.append(EnglishProvision(f"{CONVENTION}:art{art.number}{suffix}", "article", text, lines[0].number,
                                        article=art.number, paragraph=paragraph, title=art.title, path=art.path,
                                        spans=spans))
        return out


def parse_english(raw: str, filename: str) -> EnglishConvention:
    return EnglishParser(raw, filename).parse()
