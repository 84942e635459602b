"""Terms the convention defines ("“комп’ютерні дані” означає …", "термін “неповнолітня особа” включає …"),
found in the text itself, so that "What is traffic data?" goes to the paragraph that defines it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..sources.chunks import CONVENTION, Chunk
from ..sources.lexicon import uk_terms

if TYPE_CHECKING:
    from .analysis import Question

_DEFINED = re.compile(r"“([^”]{3,80})”\s+(?:означає|включає)")
_ASKS_UK = re.compile(r"^\s*(?:що|хто|кого)\s+(?:таке|такий|така|такі|означає|означають|вважається|є)\b|"
                      r"визначенн|означає термін|що розуміється", re.IGNORECASE)
_ASKS_EN = re.compile(r"\b(?:what|who)\s+(?:is|are|counts?\s+as|qualifies\s+as)\b|\bdefin|\bmeaning\b|"
                      r"\bwhat\s+does\b.*\bmean\b", re.IGNORECASE)


@dataclass(frozen=True)
class Definition:
    term: str
    lemmas: frozenset[str]
    row: int


def find_definitions(chunks: list[Chunk]) -> list[Definition]:
    out = []
    for row, chunk in enumerate(chunks):
        if chunk.source != CONVENTION:
            continue
        for m in _DEFINED.finditer(chunk.text):
            lemmas = frozenset(uk_terms(m.group(1)))
            if lemmas:
                out.append(Definition(m.group(1), lemmas, row))
    return out


def asks_for_definition(question: str, lang: str) -> bool:
    return bool((_ASKS_UK if lang == "uk" else _ASKS_EN).search(question))


def defining_rows(question: Question, definitions: list[Definition]) -> list[int]:
    """Rows defining the most specific defined term the question names (empty if it asks for none)."""
    if not question.asks_definition:
        return []
    lemmas = set(question.uk_lemmas) if question.lang == "uk" else set(question.uk_search)
    matching = [d for d in definitions if d.lemmas <= lemmas]
    if not matching:
        return []
    best = max(len(d.lemmas) for d in matching)
    return sorted({d.row for d in matching if len(d.lemmas) == best})
