"""The concept layer: the project's own annotation linking everyday vocabulary (DDoS, фішинг, логи, hosting)
to the provisions that cover it (`qa/data/concepts.tsv`).

People describe conduct, not the Convention's categories: "a DDoS took the shop down" is system
interference (Article 5) although the text never says DDoS. The annotation is used for retrieval only,
never quoted or cited by itself; a provision it points to must still be found relevant by retrieval.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..sources.lexicon import en_stem, tokens, uk_lemma

CONCEPTS_PATH = Path(__file__).resolve().parent.parent / "data" / "concepts.tsv"


@dataclass(frozen=True)
class Target:
    article: str
    paragraph: str | None = None


@dataclass(frozen=True)
class Concept:
    key: str
    targets: tuple[Target, ...]  # most specific first


def _phrase_uk(text: str) -> tuple[str, ...]:
    return tuple(uk_lemma(t) for t in tokens(text))


def _phrase_en(text: str) -> tuple[str, ...]:
    return tuple(en_stem(t) for t in tokens(text.replace("-", " ")))


@dataclass(frozen=True)
class ConceptMatch:
    """A concept found in a question, with the words that named it ("uk" lemmas or "en" stems)."""

    concept: Concept
    phrase: tuple[str, ...]
    lang: str

    @property
    def key(self) -> str:
        return self.concept.key

    @property
    def targets(self) -> tuple[Target, ...]:
        return self.concept.targets


class ConceptLayer:
    """Phrases (lemma sequences for Ukrainian, stem sequences for English) → concepts."""

    def __init__(self, rows: list[tuple[str, str, str, str]]):
        self._by_first: dict[str, list[tuple[tuple[str, ...], Concept, str]]] = {}
        for key, uk, en, provisions in rows:
            targets = tuple(Target(*p.split(".", 1)) if "." in p else Target(p) for p in provisions.split("|") if p)
            concept = Concept(key, targets)
            phrases = [(_phrase_uk(w), "uk") for w in uk.split("|") if w]
            phrases += [(_phrase_en(w), "en") for w in en.split("|") if w]
            for phrase, lang in phrases:
                if phrase:
                    self._by_first.setdefault(phrase[0], []).append((phrase, concept, lang))

    @classmethod
    def load(cls, path: Path = CONCEPTS_PATH) -> "ConceptLayer":
        rows = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                cells = line.split("\t")
                if len(cells) != 4:
                    raise ValueError(f"{path}: concept line needs 4 tab-separated cells: {line[:60]!r}")
                rows.append(tuple(cells))
        return cls(rows)

    def match(self, uk_lemmas: list[str], en_stems: list[str]) -> tuple[ConceptMatch, ...]:
        """Concepts whose phrases occur in the question's lemma or stem sequence, in order of first mention.
        A phrase's words must come in order, each within PHRASE_GAP words of the one before: people say
        "поклав мій сайт" and "sold lists of stolen passwords" where the annotation says "покласти сайт" and
        "sold passwords"."""
        found: dict[str, ConceptMatch] = {}
        for sequence, lang in ((uk_lemmas, "uk"), (en_stems, "en")):
            for i, word in enumerate(sequence):
                for phrase, concept, phrase_lang in self._by_first.get(word, ()):
                    if phrase_lang == lang and concept.key not in found and _occurs_from(sequence, i, phrase):
                        found[concept.key] = ConceptMatch(concept, phrase, lang)
        return tuple(found.values())


PHRASE_GAP = 2  # other words allowed between two words of a phrase


def _occurs_from(sequence: list[str], start: int, phrase: tuple[str, ...]) -> bool:
    """`phrase` in order from sequence[start] (its first word), with at most PHRASE_GAP words between its words."""
    at = start
    for word in phrase[1:]:
        window = sequence[at + 1 : at + 2 + PHRASE_GAP]
        if word not in window:
            return False
        at += 1 + window.index(word)
    return True


@lru_cache(maxsize=1)
def concept_layer() -> ConceptLayer:
    return ConceptLayer.load()
