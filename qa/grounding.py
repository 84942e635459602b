"""Is the question inside the corpus at all? Declining is for a reason, not for a score: the question is
about an instrument or a law the corpus does not contain (it may only mention it), or it is off-topic.
Everything else is answered, with a confidence level (confidence.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from .instruments import Instrument, answered_by_mention
from .retrieval import Retrieval

# Off-topic: nothing in the question is the corpus's vocabulary, no annotated concept, and the nearest
# passage is not close in meaning either. Chosen on eval/calibration.jsonl (see README "Declining").
OFF_TOPIC_COVERAGE = 0.2
OFF_TOPIC_DENSE = 0.80


@dataclass(frozen=True)
class Decline:
    reason: str  # "instrument" | "off_topic"
    instrument: Instrument | None = None

    @property
    def pointer(self) -> str | None:
        """The part of the corpus that mentions what was asked about, if any."""
        return self.instrument.pointer if self.instrument else None


def outside_corpus(retrieval: Retrieval) -> Decline | None:
    """Why the corpus cannot answer this question, or None when it can."""
    q = retrieval.query
    if any(h.routed for h in retrieval.hits):
        return None
    for instrument in q.instruments:
        if not answered_by_mention(q.search_text, instrument):
            return Decline("instrument", instrument)
    if q.concepts or q.references:
        return None
    top_dense = max((h.dense for h in retrieval.hits[:3]), default=0.0)
    if retrieval.lexical_coverage < OFF_TOPIC_COVERAGE and top_dense < OFF_TOPIC_DENSE:
        return Decline("off_topic")
    return None
