"""Hybrid retrieval: explicit references first, then dense (FAISS) and lexical (BM25) scores fused.

Fusion is a weighted sum of normalised scores rather than plain reciprocal-rank fusion: for English
questions the lexical side only sees glossary terms, so its weight follows how much of the question
the lexicon actually understood.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

import numpy as np

from .admission import Admission
from .bm25 import BM25
from .chunks import CONVENTION, PREAMBLE, Chunk
from .config import Settings
from .definitions import defining_rows, find_definitions
from .errors import QAError
from .index import Index
from .lexicon import (
    en_stem,
    glossary,
    query_terms,
    uk_lemma,
    uk_query_terms,
    uk_synonyms,
    uk_terms,
)
from .question import preview
from .reference_router import Reference, find_references

MODES = ("hybrid", "dense", "bm25")
_ASKS_FOR_PREAMBLE = re.compile(r"преамбул|preamble|recital", re.IGNORECASE)
PREAMBLE_PENALTY = 0.25
DEFINITION_BOOST = 0.3
DENSE_CANDIDATES = 256


@dataclass(frozen=True)
class Filters:
    """Restrict retrieval to some articles and/or chapters (Roman numerals: "II")."""

    articles: frozenset[str] = frozenset()
    chapters: frozenset[str] = frozenset()

    def allows(self, chunk: Chunk) -> bool:
        if self.articles and (chunk.source != CONVENTION or chunk.article not in self.articles):
            return False
        if self.chapters:
            chapter = chunk.path[0].split(" ")[1] if chunk.path else ""
            if chunk.source != CONVENTION or chapter not in self.chapters:
                return False
        return True

    @property
    def empty(self) -> bool:
        return not self.articles and not self.chapters


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


@dataclass(frozen=True)
class Hit:
    row: int
    chunk: Chunk
    score: float
    dense: float
    lexical: float
    routed: bool = False


@dataclass
class Retrieval:
    question: str
    lang: str
    references: list[Reference]
    missing_references: list[Reference]
    hits: list[Hit]
    lexical_coverage: float  # share of the question's content terms the corpus knows
    timings_ms: dict[str, float] = field(default_factory=dict)


class HybridRetriever:
    def __init__(self, index: Index, settings: Settings, mode: str = "hybrid", use_router: bool = True):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        self.index, self.settings, self.mode, self.use_router = index, settings, mode, use_router
        self.definitions = find_definitions(index.chunks) if mode == "hybrid" else []
        self.admission = Admission()  # bounds the encoder work one question can cause
        self._preamble_rows = np.array([i for i, c in enumerate(index.chunks) if c.kind == PREAMBLE], dtype=np.int64)

    def retrieve(
        self,
        question: str,
        lang: str,
        k: int = 10,
        filters: Filters = Filters(),
        references: list[Reference] | None = None,
    ) -> Retrieval:
        started = time.perf_counter()
        refs = references if references is not None else (find_references(question) if self.use_router else [])
        routed_groups, missing = self._route(refs)
        dense, lexical, coverage = self._scores(question, lang)
        fused = self._fuse(dense, lexical, lang, coverage)
        for row in defining_rows(question, lang, self.definitions):
            fused[row] += DEFINITION_BOOST
        if not _ASKS_FOR_PREAMBLE.search(question):
            fused[self._preamble_rows] -= PREAMBLE_PENALTY
        allowed = np.array([filters.allows(c) for c in self.index.chunks]) if not filters.empty else None
        if allowed is not None:
            fused = np.where(allowed, fused, -np.inf)
        hits = self._routed_hits(routed_groups, fused, dense, lexical)
        taken = {h.row for h in hits}
        limit = max(k, len(hits))  # every routed chunk is kept, however many the question names
        for row in np.argsort(-fused, kind="stable"):
            if len(hits) >= limit:
                break
            if row in taken or not np.isfinite(fused[row]):
                continue
            hits.append(Hit(int(row), self.index.chunks[row], float(fused[row]), float(dense[row]), float(lexical[row])))
        elapsed = (time.perf_counter() - started) * 1000
        return Retrieval(question, lang, refs, missing, hits, coverage, {"retrieve": round(elapsed, 2)})

    def _route(self, refs: list[Reference]) -> tuple[list[list[int]], list[Reference]]:
        """Rows each reference names (an article alone names all its paragraphs), and the references
        that name nothing in the corpus."""
        groups: list[list[int]] = []
        missing: list[Reference] = []
        for ref in refs:
            rows = self.index.by_article(ref.article)
            if ref.paragraph is not None:
                rows = [r for r in rows if self.index.chunks[r].paragraph == ref.paragraph]
            if rows:
                groups.append(rows)
            else:
                missing.append(ref)
        return groups, missing

    def _routed_hits(self, groups: list[list[int]], fused, dense, lexical) -> list[Hit]:
        """Routed chunks lead in the order the question names them; within a named article, its
        paragraphs are ordered by how well they match the question."""
        ordered: list[int] = []
        for rows in groups:
            ranked = sorted(rows, key=lambda r: -float(np.nan_to_num(fused[r], neginf=-9)))
            ordered.extend(r for r in ranked if r not in ordered)
        return [
            Hit(r, self.index.chunks[r], 1.0 + float(np.nan_to_num(fused[r], neginf=0)), float(dense[r]),
                float(lexical[r]), routed=True)
            for r in ordered
        ]

    def _scores(self, question: str, lang: str) -> tuple[np.ndarray, np.ndarray, float]:
        """Dense and lexical scores; a long question does all of this work inside the heavy lane."""
        with self.admission.admit(question) as capped:
            return self._scores_admitted(question, capped, lang)

    def _scores_admitted(self, question: str, capped: str, lang: str) -> tuple[np.ndarray, np.ndarray, float]:
        n = len(self.index.chunks)
        dense = np.zeros(n, dtype=np.float32)
        lexical = np.zeros(n, dtype=np.float32)
        terms = query_terms(question, lang)
        coverage = lexical_coverage(question, lang, self.index.bm25)
        if self.mode in ("hybrid", "dense"):
            q = self.index.embedder.embed_queries([capped])
            scores, rows = self.index.vectors.search(q, min(n, DENSE_CANDIDATES))
            valid = rows[0] >= 0
            dense[rows[0][valid]] = scores[0][valid]
        if self.mode in ("hybrid", "bm25"):
            lexical = self.index.bm25.scores(terms)
        return dense, lexical, min(coverage, 1.0)

    def _fuse(self, dense: np.ndarray, lexical: np.ndarray, lang: str, coverage: float) -> np.ndarray:
        d = _normalise(dense) if self.mode != "bm25" else np.zeros_like(dense)
        l = lexical / max(float(lexical.max()), 1e-6) if self.mode != "dense" else np.zeros_like(lexical)
        wd = self.settings.dense_weight if self.mode != "bm25" else 0.0
        wl = self.settings.lexical_weight if self.mode != "dense" else 0.0
        if self.mode == "hybrid" and lang == "en":
            wl *= 0.35 + 0.65 * min(coverage, 1.0)
        return (wd * d + wl * l) / max(wd + wl, 1e-6)


# Words that name a legal instrument: a question about an instrument the corpus never mentions
# (a national code, the GDPR) is about something else, however convention-like its other words are.
_INSTRUMENT = re.compile(r"^(кодекс\w*|директив\w*|регламент\w*|code|directive|regulation|statute|act)$")
_ACRONYM = re.compile(r"\b[A-Z]{2,}[0-9]*\b")
PREFIX = 6


def lexical_coverage(question: str, lang: str, bm25: BM25) -> float:
    """IDF-weighted share of the question's content words that the corpus knows (0..1).

    A word the corpus has never seen weighs as much as the rarest word it has: "крадіжка" or
    "GDPR" in a question is strong evidence that the convention is not what is being asked about.
    Ukrainian lemmas also count as known when the corpus has a word of the same stem
    ("обмежувати" / "обмеження").
    """
    vocabulary = bm25.prefixes(PREFIX)
    # each unit is one word (or glossary phrase) of the question with the index terms that may stand for it
    if lang == "uk":
        _, via_synonym = uk_query_terms(question)
        synonyms = uk_synonyms()
        units = [(t, [t] + (synonyms[t] if t in via_synonym else [])) for t in dict.fromkeys(uk_terms(question))]
    else:
        units = [(" ".join(words), lemmas + [f"en:{en_stem(w)}" for w in words])
                 for words, lemmas in glossary().segments(question)]
    ceiling = max(bm25.idf.values(), default=1.0)
    known = unknown = 0.0
    instrument = False
    for word, candidates in units:
        weights = [bm25.idf[c] for c in candidates if bm25.known(c)]
        if weights:
            known += max(weights)
        elif any(len(c) > PREFIX and not c.startswith("en:") and c[:PREFIX] in vocabulary for c in candidates):
            known += ceiling / 2
        else:
            unknown += ceiling
            instrument = instrument or bool(_INSTRUMENT.match(word))
    for acronym in _ACRONYM.findall(question):
        if not bm25.known(acronym.lower()) and not bm25.known(uk_lemma(acronym.lower())):
            instrument = True
    total = known + unknown
    coverage = known / total if total else 0.0
    return coverage / 2 if instrument else coverage


def _normalise(scores: np.ndarray) -> np.ndarray:
    """Map cosine scores so the best is 1 and the typical (median) candidate is 0."""
    nonzero = scores[scores != 0]
    if nonzero.size == 0:
        return np.zeros_like(scores)
    top, mid = float(nonzero.max()), float(np.median(nonzero))
    if top - mid < 1e-6:
        return np.where(scores != 0, 1.0, 0.0).astype(np.float32)
    return np.clip((scores - mid) / (top - mid), -1.0, 1.0).astype(np.float32)
