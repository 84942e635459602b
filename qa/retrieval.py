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

from .chunks import CONVENTION, PREAMBLE, Chunk
from .config import Settings
from .index import Index
from .lexicon import query_terms
from .reference_router import Reference, find_references

MODES = ("hybrid", "dense", "bm25")
_ASKS_FOR_PREAMBLE = re.compile(r"преамбул|preamble|recital", re.IGNORECASE)
PREAMBLE_PENALTY = 0.25
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
        routed_rows, missing = self._route(refs)
        dense, lexical, coverage = self._scores(question, lang)
        fused = self._fuse(dense, lexical, lang, coverage)
        if not _ASKS_FOR_PREAMBLE.search(question):
            for row, chunk in enumerate(self.index.chunks):
                if chunk.kind == PREAMBLE:
                    fused[row] -= PREAMBLE_PENALTY
        allowed = np.array([filters.allows(c) for c in self.index.chunks]) if not filters.empty else None
        if allowed is not None:
            fused = np.where(allowed, fused, -np.inf)
        hits = self._routed_hits(routed_rows, fused, dense, lexical)
        taken = {h.row for h in hits}
        for row in np.argsort(-fused, kind="stable"):
            if len(hits) >= max(k, len(routed_rows)):
                break
            if row in taken or not np.isfinite(fused[row]):
                continue
            hits.append(Hit(int(row), self.index.chunks[row], float(fused[row]), float(dense[row]), float(lexical[row])))
        elapsed = (time.perf_counter() - started) * 1000
        return Retrieval(question, lang, refs, missing, hits, coverage, {"retrieve": round(elapsed, 2)})

    def _route(self, refs: list[Reference]) -> tuple[list[int], list[Reference]]:
        rows: list[int] = []
        missing: list[Reference] = []
        for ref in refs:
            article_rows = self.index.by_article(ref.article)
            if not article_rows:
                missing.append(ref)
                continue
            if ref.paragraph is None:
                rows.extend(r for r in article_rows if r not in rows)
                continue
            chosen = [r for r in article_rows if self.index.chunks[r].paragraph == ref.paragraph]
            if not chosen:
                missing.append(ref)
            rows.extend(r for r in chosen if r not in rows)
        return rows, missing

    def _routed_hits(self, rows: list[int], fused, dense, lexical) -> list[Hit]:
        """Routed chunks lead, ordered among themselves by how well they match the question."""
        if not rows:
            return []
        by_ref_order = {row: i for i, row in enumerate(rows)}
        articles = list(dict.fromkeys(self.index.chunks[r].article for r in rows))
        ordered = sorted(
            rows,
            key=lambda r: (articles.index(self.index.chunks[r].article), -float(np.nan_to_num(fused[r], neginf=-9))),
        )
        # an article named alone keeps its paragraphs ordered by relevance; explicit paragraphs keep user order
        if all(self.index.chunks[r].paragraph is None for r in rows) or len(articles) == len(rows):
            ordered = sorted(rows, key=by_ref_order.get)
        return [
            Hit(r, self.index.chunks[r], 1.0 + float(np.nan_to_num(fused[r], neginf=0)), float(dense[r]),
                float(lexical[r]), routed=True)
            for r in ordered
        ]

    def _scores(self, question: str, lang: str) -> tuple[np.ndarray, np.ndarray, float]:
        n = len(self.index.chunks)
        dense = np.zeros(n, dtype=np.float32)
        lexical = np.zeros(n, dtype=np.float32)
        terms = query_terms(question, lang)
        uk_terms = [t for t in terms if not t.startswith("en:")]
        known = [t for t in dict.fromkeys(terms) if self.index.bm25.known(t)]
        coverage = len(known) / max(len(dict.fromkeys(terms)), 1)
        if lang == "en":
            # English stems only count when the corpus has English text for them (titles, commentary)
            coverage = len([t for t in dict.fromkeys(uk_terms) if self.index.bm25.known(t)]) / max(
                len(dict.fromkeys(t for t in terms if t.startswith("en:"))), 1
            )
        if self.mode in ("hybrid", "dense"):
            q = self.index.embedder.embed_queries([question])
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


def _normalise(scores: np.ndarray) -> np.ndarray:
    """Map cosine scores so the best is 1 and the typical (median) candidate is 0."""
    nonzero = scores[scores != 0]
    if nonzero.size == 0:
        return np.zeros_like(scores)
    top, mid = float(nonzero.max()), float(np.median(nonzero))
    if top - mid < 1e-6:
        return np.where(scores != 0, 1.0, 0.0).astype(np.float32)
    return np.clip((scores - mid) / (top - mid), -1.0, 1.0).astype(np.float32)
