"""The official Ukrainian text of the convention, parsed into its structure and then into chunks.

Lines are hard-wrapped and paragraphs separated by blank lines, so a "block" (lines between
blank lines) is the unit the parser reasons about: headings, numbered paragraphs, sub-paragraphs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from ..errors import CorpusError
from .chunks import CLOSING, CONVENTION, HEADER, PREAMBLE, Chunk, Span
from .crossrefs import extract_links, extract_refs
from .titles import PART_TITLES, article_title_en

_DASH = r"\s*[–—-]\s*"
_CHAPTER = re.compile(rf"^Розділ\s+([IVX]+){_DASH}(.+)$")
_SECTION = re.compile(rf"^Частина\s+(\d+){_DASH}(.+)$")
_TITLE = re.compile(rf"^Заголовок\s+(\d+){_DASH}(.+)$")
_ARTICLE = re.compile(rf"^Стаття\s+(\d+){_DASH}(.+)$")
_NUMBERED = re.compile(r"^(\d+)\.\s+")
_LETTER = re.compile(r"^([a-z])\.\s+")
_ROMAN = re.compile(r"^(i{1,3}|iv|v|vi{1,3}|ix|x)\.\s+")
_CLOSING_START = ("На посвідчення чого",)
_PUBLISHER = re.compile(r"^Автор\s*[–-]")


@dataclass
class Block:
    text: str  # wrapped lines joined by single spaces
    line: int  # 1-based line number of its first line, for error messages


@dataclass
class _Article:
    number: str
    title: str
    path: tuple[str, ...]
    line: int
    intro: list[Block] = field(default_factory=list)
    paragraphs: list[tuple[str, list[Block]]] = field(default_factory=list)


def split_blocks(raw: str) -> list[Block]:
    blocks: list[Block] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(raw.splitlines(), start=1):
        stripped = " ".join(line.split())
        if stripped:
            if not current:
                start = number
            current.append(stripped)
        elif current:
            blocks.append(Block(" ".join(current), start))
            current = []
    if current:
        blocks.append(Block(" ".join(current), start))
    return blocks


def looks_like_convention(raw: str) -> bool:
    return sum(1 for b in split_blocks(raw) if _ARTICLE.match(b.text)) >= 1


def _spans(blocks: list[Block]) -> tuple[str, tuple[Span, ...]]:
    """Join a paragraph's blocks and record where each lettered / roman sub-paragraph starts and ends."""
    text_parts: list[str] = []
    starts: list[tuple[str, int, int]] = []  # (label, level, offset)
    offset = 0
    letter = ""
    for block in blocks:
        body = block.text
        probe = _NUMBERED.sub("", body, count=1) if not text_parts else body
        lead = len(body) - len(probe)
        roman = _ROMAN.match(probe)
        letter_m = _LETTER.match(probe)
        expected = chr(ord(letter) + 1) if letter else "a"
        if roman and letter and not (letter_m and letter_m.group(1) == expected):
            starts.append((f"{letter}.{roman.group(1)}", 2, offset + lead))
        elif letter_m:
            letter = letter_m.group(1)
            starts.append((letter, 1, offset + lead))
        text_parts.append(body)
        offset += len(body) + 1
    text = "\n".join(text_parts)
    spans = []
    for i, (label, level, begin) in enumerate(starts):
        end = len(text)
        for _label, other_level, other_begin in starts[i + 1:]:
            if other_level <= level:
                end = other_begin - 1
                break
        spans.append(Span(label, begin, end))
    return text, tuple(spans)


class ConventionParser:
    """Turns the convention file into chunks; raises CorpusError naming the file and line on surprises."""

    def __init__(self, raw: str, filename: str, doc_title: str = "Конвенція про кіберзлочинність"):
        self.raw = raw
        self.filename = filename
        self.doc_title = doc_title

    def parse(self) -> list[Chunk]:
        blocks = split_blocks(self.raw)
        if not blocks:
            raise CorpusError(f"{self.filename}: the file is empty")
        header, preamble, articles, closing = self._structure(blocks)
        self._check(articles)
        chunks: list[Chunk] = []
        chunks.append(self._part_chunk(HEADER, header, None))
        for n, block in enumerate(preamble, start=1):
            chunks.append(self._part_chunk(PREAMBLE, [block], str(n)))
        for art in articles:
            chunks.extend(self._article_chunks(art))
        if closing:
            chunks.append(self._part_chunk(CLOSING, closing, None))
        return [self._positioned(c, i) for i, c in enumerate(chunks)]

    @staticmethod
    def _positioned(chunk: Chunk, position: int) -> Chunk:
        return replace(chunk, position=position)

    def _structure(self, blocks: list[Block]):
        header: list[Block] = []
        preamble: list[Block] = []
        articles: list[_Article] = []
        closing: list[Block] = []
        path: dict[str, str] = {}
        state = "header"
        for block in blocks:
            text = block.text
            if _PUBLISHER.match(text):
                continue
            if text == "Преамбула":
                state = "preamble"
                continue
            if m := _CHAPTER.match(text):
                path = {"chapter": f"Розділ {m.group(1)} – {m.group(2)}"}
                state = "body"
                continue
            if m := _SECTION.match(text):
                path = {"chapter": path.get("chapter", ""), "section": f"Частина {m.group(1)} – {m.group(2)}"}
                continue
            if m := _TITLE.match(text):
                path = {k: v for k, v in path.items() if k != "title"} | {"title": f"Заголовок {m.group(1)} – {m.group(2)}"}
                continue
            if m := _ARTICLE.match(text):
                articles.append(_Article(m.group(1), m.group(2), tuple(path.values()), block.line))
                state = "article"
                continue
            if state == "header":
                header.append(block)
            elif state == "preamble":
                preamble.append(block)
            elif state == "closing" or text.startswith(_CLOSING_START):
                state = "closing"
                closing.append(block)
            elif state == "article":
                self._add_to_article(articles[-1], block)
            else:
                raise CorpusError(f"{self.filename}:{block.line}: text outside any article: {text[:60]!r}")
        if not header:
            raise CorpusError(f"{self.filename}: no document header before the preamble")
        return header, preamble, articles, closing

    @staticmethod
    def _add_to_article(article: _Article, block: Block) -> None:
        if m := _NUMBERED.match(block.text):
            article.paragraphs.append((m.group(1), [block]))
        elif article.paragraphs:
            article.paragraphs[-1][1].append(block)
        else:
            article.intro.append(block)

    def _check(self, articles: list[_Article]) -> None:
        if not articles:
            raise CorpusError(f"{self.filename}: no articles found (expected headings like 'Стаття 1 – …')")
        for expected, art in enumerate(articles, start=1):
            if art.number != str(expected):
                raise CorpusError(
                    f"{self.filename}:{art.line}: article {art.number} where article {expected} was expected"
                )
            numbers = [n for n, _ in art.paragraphs]
            if numbers != [str(i) for i in range(1, len(numbers) + 1)]:
                raise CorpusError(f"{self.filename}:{art.line}: article {art.number} has paragraphs {numbers}")

    def _part_chunk(self, kind: str, blocks: list[Block], paragraph: str | None) -> Chunk:
        text = "\n".join(b.text for b in blocks)
        title_uk, title_en = PART_TITLES[kind]
        suffix = f":{paragraph}" if paragraph else ""
        return Chunk(
            chunk_id=f"{CONVENTION}:{kind}{suffix}",
            source=CONVENTION,
            kind=kind,
            text=text,
            lang="uk",
            position=0,
            paragraph=paragraph,
            title_uk=title_uk,
            title_en=title_en,
            refs=extract_refs(text, None),
            links=extract_links(text),
            doc_title=self.doc_title,
        )

    def _article_chunks(self, art: _Article) -> list[Chunk]:
        pieces: list[tuple[str | None, list[Block]]] = []
        if art.intro:
            pieces.append((None, art.intro))
        pieces.extend(art.paragraphs)
        chunks = []
        for paragraph, blocks in pieces:
            text, spans = _spans(blocks)
            suffix = f":{paragraph}" if paragraph else ""
            chunks.append(
                Chunk(
                    chunk_id=f"{CONVENTION}:art{art.number}{suffix}",
                    source=CONVENTION,
                    kind="article",
                    text=text,
                    lang="uk",
                    position=0,
                    article=art.number,
                    paragraph=paragraph,
                    title_uk=art.title,
                    title_en=article_title_en(art.number),
                    path=art.path,
                    refs=extract_refs(text, art.number, paragraph),
                    links=extract_links(text),
                    spans=spans,
                    doc_title=self.doc_title,
                )
            )
        return chunks


def parse_convention(raw: str, filename: str) -> list[Chunk]:
    return ConventionParser(raw, filename).parse()
