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
        self._phrases: dict[tuple[str, ...], list[tuple[Concept, str]]] = {}
        for key, uk, en, provisions in rows:
            targets = tuple(Target(*p.split(".", 1)) if "." in p else Target(p) for p in provisions.split("|") if p)
            concept = Concept(key, targets)
            phrases = [(_phrase_uk(w), "uk") for w in uk.split("|") if w]
            phrases += [(_phrase_en(w), "en") for w in en.split("|") if w]
            for phrase, lang in phrases:
                if phrase:
                    self._phrases.setdefault(phrase, []).append((concept, lang))
        self._longest = max((len(p) for p in self._phrases), default=1)

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
        """Concepts whose phrases occur in the question's lemma or stem sequence, in order of first mention."""
        found: dict[str, ConceptMatch] = {}
        for sequence, lang in ((uk_lemmas, "uk"), (en_stems, "en")):
            for i in range(len(sequence)):
                for size in range(min(self._longest, len(sequence) - i), 0, -1):
                    phrase = tuple(sequence[i : i + size])
                    for concept, phrase_lang in self._phrases.get(phrase, ()):
                        if phrase_lang == lang:
                            found.setdefault(concept.key, ConceptMatch(concept, phrase, lang))
        return tuple(found.values())


@lru_cache(maxsize=1)
def concept_layer() -> ConceptLayer:
    return ConceptLayer.load()
