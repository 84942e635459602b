"""Matching a question against the article profiles (sources.profiles): which provision's descriptions of
the situations it covers does the question resemble most?

Chunks are matched by what the provision says; profiles by what it is about in other people's words. Per
article the best profile's cosine counts, spread so that the best article gains the full weight and the
typical one nothing (the same normalisation as the dense chunk scores). The classifier fitted on the
profiles (indexing.profile_classifier) adds its probability that the question is about the article.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..indexing.index import Index
from ..indexing.profile_classifier import ProfileClassifier

CLAUSE_SHARE = 0.5  # a fact pattern: its best-matching sentence counts as much as the whole story


@dataclass(frozen=True)
class ArticleProfiles:
    """The profile vectors grouped by article, and the chunk rows each article's score goes to."""

    vectors: np.ndarray  # [profiles, dim]
    group: np.ndarray  # profile → article number in `articles`
    articles: tuple[str, ...]
    rows: tuple[np.ndarray, ...]  # chunk rows of each article
    classifier: ProfileClassifier | None = None
    classified: tuple[int, ...] = ()  # each classifier label's position in `articles` (-1: not in this index)

    @classmethod
    def of(cls, index: Index, article_rows: dict[str, np.ndarray]) -> "ArticleProfiles | None":
        """None when the index has no profiles, or none of an article it holds."""
        if index.profiles is None:
            return None
        keep = [i for i, p in enumerate(index.profiles.profiles) if p.article in article_rows]
        if not keep:
            return None
        articles = tuple(dict.fromkeys(index.profiles.profiles[i].article for i in keep))
        number = {a: n for n, a in enumerate(articles)}
        group = np.array([number[index.profiles.profiles[i].article] for i in keep], dtype=np.int64)
        classifier = index.profiles.classifier
        classified = tuple(number.get(label, -1) for label in classifier.labels) if classifier else ()
        return cls(np.ascontiguousarray(index.profiles.vectors[keep]), group, articles,
                   tuple(article_rows[a] for a in articles), classifier, classified)

    def scores(self, vector: np.ndarray) -> np.ndarray:
        """Per article, the best cosine of the question with one of its profiles, in either language (the
        question's own language wins anyway: measured, restricting to it changed nothing)."""
        cosines = self.vectors @ np.asarray(vector, dtype=np.float32).reshape(-1)
        best = np.full(len(self.articles), -1.0, dtype=np.float32)
        np.maximum.at(best, self.group, cosines)
        return best

    def boost(self, vector: np.ndarray, fused: np.ndarray, weight: float, clauses: np.ndarray | None = None) -> None:
        """Add `weight` × the article's spread score (best 1, median 0, below the median nothing)."""
        best = self.scores(vector)
        if clauses is not None and len(clauses) and CLAUSE_SHARE > 0:
            each = np.max([self.scores(c) for c in clauses], axis=0)
            best = (1 - CLAUSE_SHARE) * best + CLAUSE_SHARE * each
        top, mid = float(best.max()), float(np.median(best))
        if top - mid < 1e-6:
            return
        spread = np.clip((best - mid) / (top - mid), 0.0, 1.0)
        for rows, gain in zip(self.rows, spread):
            if gain > 0:
                fused[rows] += weight * float(gain)

    def classify(self, vector: np.ndarray, fused: np.ndarray, weight: float) -> None:
        """Add `weight` × the classifier's probability that the question is about each article."""
        if self.classifier is None:
            return
        for position, probability in zip(self.classified, self.classifier.probabilities(vector)):
            if position >= 0:
                fused[self.rows[position]] += weight * float(probability)
