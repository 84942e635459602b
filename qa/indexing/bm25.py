"""Okapi BM25 over pre-computed term lists (lemmas), small and dependency-free."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np


class BM25:
    def __init__(self, documents: list[list[str]], k1: float = 1.2, b: float = 0.75):
        self.k1, self.b = k1, b
        self.n_docs = len(documents)
        self.lengths = np.array([len(d) for d in documents], dtype=np.float32)
        self.avg_len = float(self.lengths.mean()) if self.n_docs else 0.0
        self.postings: dict[str, list[tuple[int, int]]] = {}
        for doc_id, doc in enumerate(documents):
            for term, tf in Counter(doc).items():
                self.postings.setdefault(term, []).append((doc_id, tf))
        self._prefixes: dict[int, frozenset[str]] = {}
        self.idf = {
            term: math.log(1 + (self.n_docs - len(p) + 0.5) / (len(p) + 0.5)) for term, p in self.postings.items()
        }

    def scores(self, query: list[str]) -> np.ndarray:
        """Score of every document; repeated query terms count once (glossary expansions repeat lemmas)."""
        out = np.zeros(self.n_docs, dtype=np.float32)
        if not self.n_docs:
            return out
        norm = self.k1 * (1 - self.b + self.b * self.lengths / max(self.avg_len, 1e-9))
        for term in dict.fromkeys(query):
            postings = self.postings.get(term)
            if not postings:
                continue
            ids = np.fromiter((d for d, _ in postings), dtype=np.int64, count=len(postings))
            tfs = np.fromiter((t for _, t in postings), dtype=np.float32, count=len(postings))
            out[ids] += self.idf[term] * tfs * (self.k1 + 1) / (tfs + norm[ids])
        return out

    def known(self, term: str) -> bool:
        return term in self.postings

    def prefixes(self, length: int) -> frozenset[str]:
        """Stems of the vocabulary (first `length` letters), for matching derived word forms."""
        cached = self._prefixes.get(length)
        if cached is None:
            cached = frozenset(t[:length] for t in self.postings if len(t) >= length and not t.startswith("en:"))
            self._prefixes[length] = cached
        return cached
