"""Acts in the Convention's structure (Розділ / Частина / Заголовок / Стаття N / numbered paragraphs /
lettered sub-paragraphs), parsed into chunks: the Convention is one such act, a protocol or a chapter of a
national code another.

Lines are hard-wrapped and paragraphs separated by blank lines, so a "block" (lines between blank lines) is
the unit the parser reasons about. Two grammars share the walk: the Convention's (`Стаття 1 – Назва`,
articles 1…N and paragraphs 1…N in order, anything unexpected an error naming the line) and any other act's
(also `Стаття 1. Назва`, `Глава`, `Стаття 361-1`, a heading or a numbered part on its own line without a
blank line before it, as in text taken from zakon.rada.gov.ua; numbering gaps tolerated).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Generic, Protocol, TypeVar

from ..errors import CorpusError
from .act_names import act_name
from .chunks import CLOSING, CONVENTION, HEADER, PREAMBLE, Chunk, Span
from .crossrefs import extract_links, extract_refs
from .language import detect_language
from .titles import PART_TITLES, article_title_en

_DASH = r"\s*[–—-]\s*"
_LETTER = re.compile(r"^([a-z])\.\s+")
_ROMAN = re.compile(r"^(i{1,3}|iv|v|vi{1,3}|ix|x)\.\s+")
_PUBLISHER = re.compile(r"^Автор\s*[–-]")
# A line of act text that opens a block of its own: a numbered part, an item ("1)", "а)"), an editorial
# note of the legislation database ("{Статтю 361 доповнено …}").
_OPENS_BLOCK = re.compile(r"^(?:\d+\.\s|\d+\)\s|[a-zа-яіїєґ]\)\s|\{)")
ACT_PART_TITLES = {HEADER: ("Відомості про документ", "Document details"), **{k: PART_TITLES[k] for k in (PREAMBLE, CLOSING)}}


@dataclass(frozen=True)
class Grammar:
    """What headings look like in one kind of act, and how strictly its numbering is checked."""

    chapter: re.Pattern  # groups: word, num, title
    section: re.Pattern
    title: re.Pattern
    article: re.Pattern  # groups: num, title
    numbered: re.Pattern
    closing_start: tuple[str, ...]
    strict: bool  # the Convention: a header, articles 1…N, paragraphs 1…N, no text outside an article


CONVENTION_GRAMMAR = Grammar(
    chapter=re.compile(rf"^(?P<word>Розділ)\s+(?P<num>[IVX]+){_DASH}(?P<title>.+)$"),
    section=re.compile(rf"^(?P<word>Частина)\s+(?P<num>\d+){_DASH}(?P<title>.+)$"),
    title=re.compile(rf"^(?P<word>Заголовок)\s+(?P<num>\d+){_DASH}(?P<title>.+)$"),
    article=re.compile(rf"^Стаття\s+(?P<num>\d+){_DASH}(?P<title>.+)$"),
    numbered=re.compile(r"^(\d+)\.\s+"),
    closing_start=("На посвідчення чого",),
    strict=True,
)
_SEP = r"(?:\.|\s*[–—]|\s+-)\s*"
ACT_GRAMMAR = Grammar(
    chapter=re.compile(rf"^(?P<word>Розділ|РОЗДІЛ|Книга|Chapter|CHAPTER)\s+(?P<num>[IVXLC]+|\d+)(?:{_SEP}(?P<title>.*))?$"),
    section=re.compile(rf"^(?P<word>Глава|ГЛАВА|Частина|Section|SECTION)\s+(?P<num>[IVXLC]+|\d+)(?:{_SEP}(?P<title>.*))?$"),
    title=re.compile(rf"^(?P<word>Заголовок|Підрозділ|Title|TITLE)\s+(?P<num>[IVXLC]+|\d+)(?:{_SEP}(?P<title>.*))?$"),
    article=re.compile(rf"^(?:Стаття|Article)\s+(?P<num>\d+(?:-\d+)?)(?:{_SEP}(?P<title>.*))?$"),
    numbered=re.compile(r"^(\d+)\.\s+"),
    closing_start=("На посвідчення чого", "Президент України", "Голова Верховної Ради"),
    strict=False,
)


@dataclass
class Block:
    text: str  # wrapped lines joined by single spaces
    line: int  # 1-based line number of its first line, for error messages


class _Texted(Protocol):
    text: str


T = TypeVar("T", bound=_Texted)


@dataclass
class ArticleDraft(Generic[T]):
    """An article while its text is collected: the blocks (or lines) before its first numbered paragraph,
    then each numbered paragraph's. Shared by the Ukrainian and the English parsers."""

    number: str
    title: str
    path: tuple[str, ...]
    line: int
    intro: list[T] = field(default_factory=list)
    paragraphs: list[tuple[str, list[T]]] = field(default_factory=list)

    def add(self, item: T, numbered: re.Pattern, lenient: bool = False) -> None:
        """A numbered item opens a paragraph; anything else continues the open one (or the intro). `lenient`
        (acts other than the Convention): a number that does not go up is a list inside the paragraph."""
        m = numbered.match(item.text)
        last = int(self.paragraphs[-1][0]) if self.paragraphs else 0
        if m and (not lenient or int(m.group(1)) > last):
            self.paragraphs.append((m.group(1), [item]))
        elif self.paragraphs:
            self.paragraphs[-1][1].append(item)
        else:
            self.intro.append(item)

    def pieces(self) -> list[tuple[str | None, list[T]]]:
        """The intro (paragraph None) if any, then each numbered paragraph: one chunk or provision each."""
        return ([(None, self.intro)] if self.intro else []) + list(self.paragraphs)


def split_blocks(raw: str) -> list[Block]:
    """Blocks between blank lines, wrapped lines joined (the Convention's and the commentary's text)."""
    return _blocks(raw, lambda line, previous: False)


def _heading_like(m: re.Match | None) -> bool:
    """A heading line, not a sentence that starts like one ("Стаття 5. Сторона може вимагати, щоб …"): short,
    and its title does not run on (":", ";", "," at the end, or a long text ending in a full stop)."""
    if m is None or len(m.string) > 250:
        return False
    title = (m.group("title") or "").rstrip()
    return not title.endswith((":", ";", ",")) and not (title.endswith(".") and len(title) > 100)


def act_heading(text: str, grammar: Grammar | None = None) -> str | None:
    """Which heading `text` is in an act's grammar: "chapter" | "section" | "title" | "article", or None."""
    g = grammar or ACT_GRAMMAR
    for kind, rx in (("chapter", g.chapter), ("section", g.section), ("title", g.title), ("article", g.article)):
        if (m := rx.match(text)) and (g.strict or _heading_like(m)):
            return kind
    return None


def _starts_act_block(line: str, previous: str) -> bool:
    """A heading, a numbered part, an item or the signature starts a block, and a heading is a block of its
    own, even without blank lines around them: an act copied from a web page has one paragraph per line."""
    return (act_heading(line) is not None or act_heading(previous) is not None
            or bool(_OPENS_BLOCK.match(line)) or line.startswith(ACT_GRAMMAR.closing_start))


def split_act_blocks(raw: str) -> list[Block]:
    """Blocks of an act other than the Convention: between blank lines, and at `_starts_act_block`."""
    return _blocks(raw, _starts_act_block)


def _blocks(raw: str, starts_block: Callable[[str, str], bool]) -> list[Block]:
    blocks: list[Block] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(raw.splitlines(), start=1):
        stripped = " ".join(line.split())
        if stripped and current and starts_block(stripped, current[-1]):
            blocks.append(Block(" ".join(current), start))
            current = []
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


def spans(blocks: list[Block], numbered: re.Pattern = CONVENTION_GRAMMAR.numbered) -> tuple[str, tuple[Span, ...]]:
    """Join a paragraph's blocks and record where each lettered / roman sub-paragraph starts and ends."""
    text_parts: list[str] = []
    starts: list[tuple[str, int, int]] = []  # (label, level, offset)
    offset = 0
    letter = ""
    for block in blocks:
        body = block.text
        probe = numbered.sub("", body, count=1) if not text_parts else body
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
    return text, closed_spans(starts, len(text))


def closed_spans(starts: list[tuple[str, int, int]], length: int) -> tuple[Span, ...]:
    """Sub-paragraphs from where each starts ((label, level, offset) in order): one ends where the next of
    its level or a higher one begins, the last at the end of the text. Both languages' parsers use it."""
    out = []
    for i, (label, level, begin) in enumerate(starts):
        end = length
        for _label, other_level, other_begin in starts[i + 1:]:
            if other_level <= level:
                end = other_begin - 1
                break
        out.append(Span(label, begin, end))
    return tuple(out)


def _heading(m: re.Match) -> str:
    title = (m.group("title") or "").strip()
    return f"{m.group('word')} {m.group('num')} – {title}" if title else f"{m.group('word')} {m.group('num')}"


class ActParser:
    """Turns an act's text into chunks; raises CorpusError naming the file and line on surprises."""

    def __init__(self, raw: str, filename: str, source: str = CONVENTION, doc_title: str = "Конвенція про кіберзлочинність",
                 grammar: Grammar = CONVENTION_GRAMMAR, act_uk: str = "", act_en: str = ""):
        self.raw, self.filename, self.source, self.doc_title = raw, filename, source, doc_title
        self.grammar, self.act_uk, self.act_en = grammar, act_uk, act_en
        self.lang = "uk" if grammar.strict else detect_language(raw)  # an act may be in English

    def parse(self) -> list[Chunk]:
        blocks = split_blocks(self.raw) if self.grammar.strict else split_act_blocks(self.raw)
        if not blocks:
            raise CorpusError(f"{self.filename}: the file is empty")
        header, preamble, articles, closing = self._structure(blocks)
        self._check(articles)
        chunks: list[Chunk] = []
        if header:
            chunks.append(self._part_chunk(HEADER, header, None))
        for n, block in enumerate(preamble, start=1):
            chunks.append(self._part_chunk(PREAMBLE, [block], str(n)))
        for art in articles:
            chunks.extend(self._article_chunks(art))
        if closing:
            chunks.append(self._part_chunk(CLOSING, closing, None))
        return [replace(c, position=i) for i, c in enumerate(chunks)]

    def _structure(self, blocks: list[Block]):
        g = self.grammar
        header: list[Block] = []
        preamble: list[Block] = []
        articles: list[ArticleDraft[Block]] = []
        closing: list[Block] = []
        path: dict[str, str] = {}
        state = "header"
        untitled = ""  # an act's heading whose title is on the next line ("Розділ XVI" / "ЗЛОЧИНИ У СФЕРІ …")
        for block in blocks:
            text = block.text
            if _PUBLISHER.match(text):
                continue
            kind = act_heading(text, g)
            if untitled and not g.numbered.match(text) and state != "closing" and kind is None:
                self._retitle(untitled, text, path, articles)
                untitled = ""
                continue
            untitled = ""
            if text == "Преамбула":
                state = "preamble"
                continue
            if kind == "chapter" and (m := g.chapter.match(text)):
                path = {"chapter": _heading(m)}
                state, untitled = "body", ("" if m.group("title") else "chapter")
                continue
            if kind == "section" and (m := g.section.match(text)):
                path = {"chapter": path.get("chapter", ""), "section": _heading(m)}
                untitled = "" if m.group("title") else "section"
                continue
            if kind == "title" and (m := g.title.match(text)):
                path = {k: v for k, v in path.items() if k != "title"} | {"title": _heading(m)}
                untitled = "" if m.group("title") else "title"
                continue
            if kind == "article" and (m := g.article.match(text)):
                articles.append(ArticleDraft(m.group("num"), (m.group("title") or "").strip(), tuple(path.values()), block.line))
                state, untitled = "article", ("" if m.group("title") else "article")
                continue
            if state == "header" or (state == "body" and not g.strict and not articles):
                header.append(block)
            elif state == "preamble":
                preamble.append(block)
            elif state == "closing" or text.startswith(g.closing_start):
                state = "closing"
                closing.append(block)
            elif state == "article":
                articles[-1].add(block, g.numbered, lenient=not g.strict)
            elif not g.strict:
                articles[-1].add(block, g.numbered, lenient=True)
            else:
                raise CorpusError(f"{self.filename}:{block.line}: text outside any article: {text[:60]!r}")
        if not header and g.strict:
            raise CorpusError(f"{self.filename}: no document header before the preamble")
        return header, preamble, articles, closing

    @staticmethod
    def _retitle(kind: str, title: str, path: dict[str, str], articles: list[ArticleDraft]) -> None:
        if kind == "article":
            articles[-1].title = title
            return
        path[kind] = f"{path[kind]} – {title}"  # headings precede the articles they open

    def _check(self, articles: list[ArticleDraft[Block]]) -> None:
        if not articles:
            raise CorpusError(f"{self.filename}: no articles found (expected headings like 'Стаття 1 – …' or 'Стаття 1. …')")
        if not self.grammar.strict:
            seen: dict[str, int] = {}
            for art in articles:
                if art.number in seen:
                    raise CorpusError(f"{self.filename}:{art.line}: article {art.number} appears twice "
                                      f"(first at line {seen[art.number]})")
                seen[art.number] = art.line
            return
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
        title_uk, title_en = (PART_TITLES if self.source == CONVENTION else ACT_PART_TITLES)[kind]
        suffix = f":{paragraph}" if paragraph else ""
        return Chunk(
            chunk_id=f"{self.source}:{kind}{suffix}",
            source=self.source,
            kind=kind,
            text=text,
            lang=self.lang,
            position=0,
            paragraph=paragraph,
            title_uk=title_uk,
            title_en=title_en,
            refs=extract_refs(text, None),
            links=extract_links(text),
            doc_title=self.doc_title,
            act_uk=self.act_uk,
            act_en=self.act_en,
        )

    def _article_chunks(self, art: ArticleDraft[Block]) -> list[Chunk]:
        chunks = []
        for paragraph, blocks in art.pieces():
            text, sub_spans = spans(blocks, self.grammar.numbered)
            suffix = f":{paragraph}" if paragraph else ""
            chunks.append(
                Chunk(
                    chunk_id=f"{self.source}:art{art.number}{suffix}",
                    source=self.source,
                    kind="article",
                    text=text,
                    lang=self.lang,
                    position=0,
                    article=art.number,
                    paragraph=paragraph,
                    title_uk=art.title,
                    title_en=article_title_en(art.number) if self.source == CONVENTION else "",
                    path=art.path,
                    refs=extract_refs(text, art.number, paragraph),
                    links=extract_links(text),
                    spans=sub_spans,
                    doc_title=self.doc_title,
                    act_uk=self.act_uk,
                    act_en=self.act_en,
                )
            )
        return chunks


def parse_act(text: str, source_id: str, title: str, *, genitive: str | None = None,
              english: str | None = None) -> list[Chunk]:
    """Chunks of an act other than the Convention: `source=source_id`, ids `<source_id>:art3:2`, cited as
    `п. 2 ст. 3 <genitive>` / `<english>, Article 3(2)`; both names derived from `title` unless given."""
    if not source_id or source_id == CONVENTION or not re.fullmatch(r"[\w.-]+", source_id):
        raise CorpusError(f"{source_id!r}: an act's source id must be letters, digits, '.', '_' or '-', "
                          f"and not {CONVENTION!r}")
    name = act_name(title, genitive, english)
    return ActParser(text, title or source_id, source_id, title, ACT_GRAMMAR, name.genitive, name.english).parse()
