"""Explicit references in a question ("ст. 16", "п. 2 ст. 16", "Article 29(7)", "article 6 1.a.ii") go
straight to the provisions they name, ahead of anything retrieval would guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Reference:
    article: str
    paragraph: str | None = None
    subparagraph: str | None = None  # "a" or "a.ii"

    @property
    def key(self) -> str:
        return ".".join(p for p in (self.article, self.paragraph, self.subparagraph) if p)


_SUB = r"(?:\.?(?P<sub>[a-z])(?:\.(?P<roman>[ivx]+))?)?"
_DOTTED = rf"(?P<para_d>\d{{1,2}}){_SUB}"  # "1.a.ii" after an article number
_PARA_WORD_UK = r"(?:п\.|пп\.|пункт\w*|підпункт\w*|ч\.|частин\w*)"
_ART_WORD_UK = r"(?:ст\.|статт\w*|статей|стаття)"
_ART_WORD_EN = r"(?:art\.|arts?\b|articles?)"
_PARA_WORD_EN = r"(?:para(?:graph)?s?\.?|§|\bp\.)"

_PATTERNS = [
    # п. 2 ст. 16 / пункт 2 статті 16 / пп. a п. 1 ст. 6
    re.compile(
        rf"(?:{_PARA_WORD_UK}\s*(?P<sub_pre>[a-z])\)?\s*)?{_PARA_WORD_UK}\s*(?P<para>\d{{1,2}})(?:\.(?P<sub>[a-z])(?:\.(?P<roman>[ivx]+))?)?\s+{_ART_WORD_UK}\s*(?P<art>\d{{1,2}})\b",
        re.IGNORECASE,
    ),
    # paragraph 2 of Article 16
    re.compile(rf"{_PARA_WORD_EN}\s*(?P<para>\d{{1,2}})\s+(?:of\s+)?{_ART_WORD_EN}\s*(?P<art>\d{{1,2}})\b", re.IGNORECASE),
    # Article 16(2)(a)(ii) / ст. 16(2)
    re.compile(
        rf"(?:{_ART_WORD_EN}|{_ART_WORD_UK})\s*(?P<art>\d{{1,2}})\s*\((?P<para>\d{{1,2}})\)(?:\s*\((?P<sub>[a-z])\))?(?:\s*\((?P<roman>[ivx]+)\))?",
        re.IGNORECASE,
    ),
    # Art. 29 para 7 / стаття 16 пункт 2 / ст. 16 п. 2
    re.compile(
        rf"(?:{_ART_WORD_EN}|{_ART_WORD_UK})\s*(?P<art>\d{{1,2}})\s*,?\s*(?:{_PARA_WORD_EN}|{_PARA_WORD_UK})\s*(?P<para>\d{{1,2}})(?:\.(?P<sub>[a-z])(?:\.(?P<roman>[ivx]+))?)?\b",
        re.IGNORECASE,
    ),
    # article 6 1.a.ii / ст. 9.1.a
    re.compile(rf"(?:{_ART_WORD_EN}|{_ART_WORD_UK})\s*(?P<art>\d{{1,2}})(?:\s+|\.)(?P<para>\d{{1,2}})\.(?P<sub>[a-z])(?:\.(?P<roman>[ivx]+))?\b", re.IGNORECASE),
    # ст. 16 / Article 16 / статей 14 і 15 (first number only per match; lists handled below)
    re.compile(rf"(?:{_ART_WORD_EN}|{_ART_WORD_UK})\s*(?P<art>\d{{1,2}})(?!\s*[\d(])", re.IGNORECASE),
]
_LIST_TAIL = re.compile(r"^\s*(?:,|and|or|і|та|й|або|&)\s*(\d{1,2})\b(?!\s*\()", re.IGNORECASE)


def _from_match(m: re.Match) -> Reference:
    groups = m.groupdict()
    para = groups.get("para")
    sub = groups.get("sub") or groups.get("sub_pre")
    roman = groups.get("roman")
    if sub and roman:
        sub = f"{sub}.{roman}"
    return Reference(groups["art"], para, sub.lower() if sub else None)


def find_references(question: str) -> list[Reference]:
    """References in the order they appear; the most specific pattern wins for overlapping text."""
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, Reference]] = []
    for pattern in _PATTERNS:
        for m in pattern.finditer(question):
            if any(m.start() < end and start < m.end() for start, end in taken):
                continue
            taken.append((m.start(), m.end()))
            found.append((m.start(), _from_match(m)))
            tail_pos = m.end()
            while tail := _LIST_TAIL.match(question[tail_pos:]):
                found.append((tail_pos, Reference(tail.group(1))))
                taken.append((tail_pos, tail_pos + tail.end()))
                tail_pos += tail.end()
    found.sort(key=lambda item: item[0])
    unique: dict[Reference, None] = {}
    for _, ref in found:
        unique.setdefault(ref, None)
    return list(unique)


_FOLLOW_UP = re.compile(
    r"^\s*(?:(?:а|і|та|ну)\s+)?(?:(?:and|what about|how about)\s+)?(?:the\s+)?(?:п\.|пункт\w*|paragraph|para\.?)\s*(?P<para>\d{1,2})\s*\??\s*$",
    re.IGNORECASE,
)


def follow_up_paragraph(question: str) -> str | None:
    """'а пункт 3?' / 'and paragraph 3?': a paragraph of the article under discussion."""
    m = _FOLLOW_UP.match(question)
    return m.group("para") if m else None
