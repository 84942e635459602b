"""Does the corpus answer this question at all? A citation that is invented is worse than no answer,
so the assistant abstains unless the retrieved text is both semantically close and lexically grounded.
"""

from __future__ import annotations

from .retrieval import Retrieval

# Calibrated on eval/gold.jsonl (answerable vs. unanswerable); see README "Abstention".
DENSE_FLOOR, DENSE_SPAN = 0.76, 0.08


def grounding_score(retrieval: Retrieval) -> float:
    """0..1: how well the best unrouted hit is supported by meaning (dense) and by words (lexical coverage)."""
    if not retrieval.hits:
        return 0.0
    top_dense = max(h.dense for h in retrieval.hits[:3])
    dense_part = min(max((top_dense - DENSE_FLOOR) / DENSE_SPAN, 0.0), 1.0)
    return 0.4 * dense_part + 0.6 * retrieval.lexical_coverage
