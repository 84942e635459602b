"""Explicit references in a question ("ст. 16", "п. 2 ст. 16", "Article 29(7)", "article 6 1.a.ii") go
straight to the provisions they name, ahead of anything retrieval would guess.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from functools import cached_property


@dataclass(frozen=True)
class Reference:
    article: str
    paragraph: str | None = None
    subparagraph: str | None = None  # "a" or "a.ii"
    act: str | None = None  # the source id of an act other than the Convention ("ст. 3 Додаткового протоколу")

    @property
    def key(self) -> str:
        key = ".".join(p for p in (self.article, self.paragraph, self.subparagraph) if p)
        return f"{self.act}:{key}" if self.act else key


@dataclass(frozen=True)
class ActNames:
    """An act in the index other than the Convention, as a question names it next to an article: after it
    in the genitive (`ст. 3 Додаткового протоколу`), or in English after "of (the)" or before it
    (`Article 3 of the Additional Protocol`, `Additional Protocol, Article 3`)."""

    source: str
    genitive: str
    english: str

    @cached_property
    def pattern(self) -> re.Pattern:
        """Either name, word by word: quotes, apostrophes and spacing between the words may differ."""
        names = [n for n in dict.fromkeys((self.genitive, self.english)) if n]
        alternatives = ["[\\W_]*".join(map(re.escape, re.findall(r"[^\W_]+", n))) for n in names]
        return re.compile(rf"(?<![^\W_])(?:{'|'.join(a for a in alternatives if a)})(?![^\W_])", re.IGNORECASE)

    def after(self, text: str, end: int) -> bool:
        m = _AFTER.match(text, end)
        return bool(m) and bool(self.pattern.match(text, m.end()))

    def before(self, text: str, start: int) -> bool:
        head = _BEFORE.sub("", text[:start])
        return any(m.end() == len(head) for m in self.pattern.finditer(head))


_AFTER = re.compile(r"[\s«»\"“”„]*(?:of\s+(?:the\s+)?)?[«»\"“”„]*", re.IGNORECASE)
_BEFORE = re.compile(r"[»\"”]*\s*(?:,|['’]s)?\s*(?:the\s+)?$", re.IGNORECASE)


# Word endings are letters only: `\w*` would swallow the first digit of "стаття16" and cite Article 6.
_L = r"[^\W\d_]*"
_N = r"(?<![0-9])[-−–]?[0-9]+(?![0-9])"  # a whole number, never part of one; a sign makes it name nothing
_LETTER = r"[a-zасеі]"  # sub-paragraph letters; Cyrillic look-alikes (а, с, е, і) mean the Latin ones
_SUB = rf"(?:\.?(?P<sub>{_LETTER})(?:\.(?P<roman>[ivx]+))?)?"
_NOT_AFTER_LETTER = r"(?<![^\W\d_])"
_PARA_WORD_UK = rf"{_NOT_AFTER_LETTER}(?:п\.|пп\.|пункт{_L}|підпункт{_L}|ч\.|частин{_L})"
_ART_WORD_UK = rf"{_NOT_AFTER_LETTER}(?:ст\.|статт{_L}|статей)"
_ART_WORD_EN = rf"{_NOT_AFTER_LETTER}(?:art\.|arts?(?![^\W\d_])|articles?(?![^\W\d_]))"
_PARA_WORD_EN = rf"(?:{_NOT_AFTER_LETTER}para(?:graph)?s?(?:\.|(?![^\W\d_]))|§|{_NOT_AFTER_LETTER}p\.)"

_PATTERNS = [
    # п. 2 ст. 16 / пункт 2 статті 16 / пп. a п. 1 ст. 6
    re.compile(
        rf"(?:{_PARA_WORD_UK}\s*(?P<sub_pre>{_LETTER})\)?\s*)?{_PARA_WORD_UK}\s*(?P<para>{_N})(?:\.(?P<sub>{_LETTER})(?:\.(?P<roman>[ivx]+))?)?\s*{_ART_WORD_UK}\s*(?P<art>{_N})",
        re.IGNORECASE,
    ),
    # paragraph 2 of Article 16
    re.compile(rf"{_PARA_WORD_EN}\s*(?P<para>{_N})\s+(?:of\s+)?(?:the\s+)?{_ART_WORD_EN}\s*(?P<art>{_N})", re.IGNORECASE),
    # Article 16(2)(a)(ii) / ст. 16(2)
    re.compile(
        rf"(?:{_ART_WORD_EN}|{_ART_WORD_UK})\s*(?P<art>{_N})\s*\(\s*(?P<para>{_N})\s*\)(?:\s*\((?P<sub>{_LETTER})\))?(?:\s*\((?P<roman>[ivx]+)\))?",
        re.IGNORECASE,
    ),
    # пп. b ст. 1 / підпункт b статті 1: a lettered sub-paragraph of an article without numbered paragraphs
    re.compile(rf"(?:пп\.|підпункт\w*)\s*(?P<sub>{_LETTER})\)?\s*{_ART_WORD_UK}\s*(?P<art>{_N})", re.IGNORECASE),
    # Article 1(d) / ст. 1(d): the same, in brackets
    re.compile(
        rf"(?:{_ART_WORD_EN}|{_ART_WORD_UK})\s*(?P<art>{_N})\s*\(\s*(?P<sub>{_LETTER})\s*\)(?:\s*\((?P<roman>[ivx]+)\))?",
        re.IGNORECASE,
    ),
    # Art. 29 para 7 / стаття 16 пункт 2 / ст. 16 п. 2
    re.compile(
        rf"(?:{_ART_WORD_EN}|{_ART_WORD_UK})\s*(?P<art>{_N})\s*,?\s*(?:{_PARA_WORD_EN}|{_PARA_WORD_UK})\s*(?P<para>{_N})(?:\.(?P<sub>{_LETTER})(?:\.(?P<roman>[ivx]+))?)?(?![^\W_])",
        re.IGNORECASE,
    ),
    # article 6 1.a.ii / ст. 9.1.a
    re.compile(rf"(?:{_ART_WORD_EN}|{_ART_WORD_UK})\s*(?P<art>{_N})(?:\s+|\.)(?P<para>{_N})\.(?P<sub>{_LETTER})(?:\.(?P<roman>[ivx]+))?(?![^\W_])", re.IGNORECASE),
    # ст. 16 / Article 16 / статей 14 і 15 (first number only per match; lists handled below)
    re.compile(rf"(?:{_ART_WORD_EN}|{_ART_WORD_UK})\s*(?P<art>{_N})(?!\s*\()", re.IGNORECASE),
]
_LIST_TAIL = re.compile(r"^\s*(?:,|and|or|і|та|й|або|&)\s*([0-9]+)(?![0-9])(?!\s*\()", re.IGNORECASE)
_LOOKALIKES = str.maketrans("асеі", "acei")


def _number(raw: str | None) -> str | None:
    """'02' → '2'; a signed number ('-1') stays as written so it names no provision."""
    if raw is None:
        return None
    raw = raw.replace("−", "-").replace("–", "-")
    return raw if raw.startswith("-") else (raw.lstrip("0") or "0")


def normalise_digits(text: str) -> str:
    """Every Unicode decimal digit as its ASCII digit ("١٦", "１６" → "16"); other digit-like signs ("²")
    stay as they are and so are never read as numbers."""
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() and not ch.isascii() else ch for ch in text)


def _from_match(m: re.Match) -> Reference:
    groups = m.groupdict()
    para = groups.get("para")
    sub = groups.get("sub") or groups.get("sub_pre")
    roman = groups.get("roman")
    if sub and roman:
        sub = f"{sub}.{roman}"
    sub = sub.lower().translate(_LOOKALIKES) if sub else None
    return Reference(_number(groups["art"]), _number(para), sub)


def find_references(question: str, acts: tuple[ActNames, ...] = ()) -> list[Reference]:
    """References in the order they appear; the most specific pattern wins for overlapping text. A reference
    (or a list: "статті 2 і 3 …") followed or preceded by the name of one of `acts` is to that act; any other
    is to the Convention, as before."""
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, Reference]] = []
    question = normalise_digits(question)
    for pattern in _PATTERNS:
        for m in pattern.finditer(question):
            if any(m.start() < end and start < m.end() for start, end in taken):
                continue
            taken.append((m.start(), m.end()))
            group = [(m.start(), _from_match(m))]
            tail_pos = m.end()
            while tail := _LIST_TAIL.match(question[tail_pos:]):
                group.append((tail_pos, Reference(_number(tail.group(1)))))
                taken.append((tail_pos, tail_pos + tail.end()))
                tail_pos += tail.end()
            act = next((a.source for a in acts if a.after(question, tail_pos) or a.before(question, m.start())), None)
            found.extend((pos, replace(ref, act=act) if act else ref) for pos, ref in group)
    found.sort(key=lambda item: item[0])
    unique: dict[Reference, None] = {}
    for _, ref in found:
        unique.setdefault(ref, None)
    return list(unique)


def without_act_names(question: str, acts: tuple[ActNames, ...]) -> str:
    """The question with the acts' names blanked: what is left says whether it asks about the articles it
    names ("що каже ст. 3 Додаткового протоколу?") or about something else."""
    for act in acts:
        question = act.pattern.sub(lambda m: " " * len(m.group(0)), question)
    return question


_FOLLOW_UP = re.compile(
    r"^\s*(?:(?:а|і|та|ну)\s+)?(?:(?:and|what about|how about)\s+)?(?:the\s+)?(?:п\.|пункт[^\W\d_]*|paragraph|para\.?)\s*(?P<para>[-−–]?[0-9]+)\s*\??\s*$",
    re.IGNORECASE,
)


def follow_up_paragraph(question: str) -> str | None:
    """'а пункт 3?' / 'and paragraph 3?': a paragraph of the article under discussion."""
    m = _FOLLOW_UP.match(normalise_digits(question))
    return _number(m.group("para")) if m else None
