"""Filters a user sets on retrieval (articles 2-13,16; chapters II,III), parsed strictly: bad input is one
QAError naming the bad part, never an exception from deep inside.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import QAError
from ..sources.chunks import CONVENTION, Chunk
from .question import preview


@dataclass(frozen=True)
class Filters:
    """Restrict retrieval to some sources (the Convention, another act's id, a commentary's id), articles
    and/or chapters (Roman numerals: "II"). Articles and chapters are those of the chosen sources' acts, of
    the Convention when no source is chosen."""

    articles: frozenset[str] = frozenset()
    chapters: frozenset[str] = frozenset()
    sources: frozenset[str] = frozenset()

    def allows(self, chunk: Chunk) -> bool:
        if self.sources and chunk.source not in self.sources:
            return False
        acts = self.sources or {CONVENTION}
        if self.articles and (chunk.source not in acts or not chunk.is_act_article or chunk.article not in self.articles):
            return False
        if self.chapters:
            chapter = chunk.path[0].split(" ")[1] if chunk.path else ""
            if chunk.source not in acts or chapter not in self.chapters:
                return False
        return True

    @property
    def empty(self) -> bool:
        return not self.articles and not self.chapters and not self.sources


ARTICLE_COUNT = 48  # Articles 1–48 of the Convention
CHAPTERS = ("I", "II", "III", "IV")
_ARTICLE_PART = re.compile(r"([0-9]+)(?:-([0-9]+))?")
FILTER_SPEC_CHARS = 500


def _filter_text(spec: object, what: str) -> str:
    """A filter value as text: a string (or nothing); anything else is a QAError, never an AttributeError."""
    if spec is None:
        return ""
    if not isinstance(spec, str):
        raise QAError(f"the {what} filter must be text like {'2-13,16' if what == 'articles' else 'II,III'}")
    if len(spec) > FILTER_SPEC_CHARS:
        raise QAError(f"the {what} filter is {len(spec)} characters long; the limit is {FILTER_SPEC_CHARS}")
    return spec


def _bounded(digits: str) -> int:
    """The number, or just past the last article when it is longer than any article number could be."""
    return int(digits) if len(digits) <= 4 else ARTICLE_COUNT + 1


def parse_articles(spec: object) -> frozenset[str]:
    """'2-13,16' → {'2', …, '13', '16'}; anything else is a QAError naming the bad part.

    Bounds are checked against the 48 articles before a range is expanded, so "1-99999999999" costs
    nothing; only ASCII digits count ("²" or "١" are refused, not converted)."""
    out: set[str] = set()
    for part in _filter_text(spec, "articles").replace(" ", "").replace("–", "-").split(","):
        if not part:
            continue
        m = _ARTICLE_PART.fullmatch(part)
        if not m:
            raise QAError(f"articles filter: {preview(part, 40)!r} is not an article number or a range like 2-13")
        low, high = _bounded(m.group(1)), _bounded(m.group(2) or m.group(1))
        if high < low:
            raise QAError(f"articles filter: {part!r} is a range that ends before it starts")
        if low < 1 or high > ARTICLE_COUNT:
            raise QAError(f"articles filter: {part!r} is outside the Convention's articles 1–{ARTICLE_COUNT}")
        out.update(str(n) for n in range(low, high + 1))
    return frozenset(out)


def parse_chapters(spec: object) -> frozenset[str]:
    """'II,III' or ['II', 'III'] → {'II', 'III'}; a chapter the Convention does not have is a QAError."""
    if isinstance(spec, (list, tuple)):
        if not all(isinstance(p, str) for p in spec):
            raise QAError("the chapters filter must be a list of chapter numerals like II")
        spec = ",".join(spec)
    out: set[str] = set()
    for part in _filter_text(spec, "chapters").split(","):
        name = part.strip().upper()
        if not name:
            continue
        if name not in CHAPTERS:
            raise QAError(f"chapters filter: {preview(part.strip(), 40)!r} is not a chapter of the Convention "
                          f"({', '.join(CHAPTERS)})")
        out.add(name)
    return frozenset(out)


def parse_sources(spec: object, known: set[str] | frozenset[str]) -> frozenset[str]:
    """'convention,1a2b3c4d5e6f' or a list of ids → the ids; one the index does not hold is a QAError
    naming it (a filter that silently matched nothing would look like an answerless corpus)."""
    if isinstance(spec, (list, tuple)):
        if not all(isinstance(p, str) for p in spec):
            raise QAError("the sources filter must be a list of source ids")
        spec = ",".join(spec)
    if spec is not None and not isinstance(spec, str):
        raise QAError("the sources filter must be text like convention,1a2b3c4d5e6f")
    out = frozenset(p.strip() for p in _filter_text(spec, "sources").split(",") if p.strip())
    unknown = sorted(out - set(known))
    if unknown:
        raise QAError(f"sources filter: {preview(unknown[0], 40)!r} is not a source of this index "
                      "(`qa sources list` shows the ids; the Convention is 'convention')")
    return out
