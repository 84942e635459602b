"""Is the question inside the corpus at all? Declining is for a reason, not for a score: the question is
about an instrument or a law the corpus does not contain (it may only mention it), or it is off-topic.
Everything else is answered, with a confidence level (confidence.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..retrieval.hybrid import Retrieval
from ..retrieval.instruments import Instrument

# Off-topic: no annotated concept, no reference, and the nearest passage is far in meaning — or not quite
# as far, while little of the question is the corpus's vocabulary. Chosen on eval/calibration.jsonl and the
# development set (answerable questions reach a cosine of 0.806 at the least, off-topic ones 0.825 at most).
OFF_TOPIC_DENSE = 0.80
OFF_TOPIC_NEAR_DENSE = 0.825
OFF_TOPIC_COVERAGE = 0.25


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
        if q.is_scenario and not instrument.named:
            continue  # "…drug trafficking is coordinated through a server…": context of the facts, not the question
        if instrument.key not in q.answered_by_mention:
            return Decline("instrument", instrument)
    if q.concepts or q.references:
        return None
    top_dense = max((h.dense for h in retrieval.hits[:3]), default=0.0)
    if top_dense < OFF_TOPIC_DENSE or (top_dense < OFF_TOPIC_NEAR_DENSE and
                                       retrieval.lexical_coverage < OFF_TOPIC_COVERAGE):
        return Decline("off_topic")
    return None
