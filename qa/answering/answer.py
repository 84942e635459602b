"""The answer object and its JSON form: the contract evaluation scripts rely on (see README)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..retrieval.hybrid import Hit
from .citations import Citation

ANSWER_SCHEMA_VERSION = 2


@dataclass(frozen=True)
class SeeAlso:
    label: str
    chunk_id: str
    title: str


@dataclass
class Answer:
    question: str
    language: str
    answer: str
    abstained: bool
    citations: list[Citation]
    retrieved: list[Hit]
    see_also: list[SeeAlso] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    id: str | None = None
    reason: str = ""  # why it abstained, when it did
    confidence: str | None = None  # "high" | "low" for an answer; None when it declined
    probability: float | None = None  # the confidence model's estimate that the first citation is right
    features: dict[str, float] = field(default_factory=dict)  # what the estimate was made from (not in JSON)

    def to_json(self) -> dict:
        data: dict = {}
        if self.id is not None:
            data["id"] = self.id
        data.update(
            {
                "question": self.question,
                "language": self.language,
                "answer": self.answer,
                "abstained": self.abstained,
                "citations": [c.to_json() for c in self.citations],
                "retrieved": [
                    {
                        "chunk_id": h.chunk.chunk_id,
                        "source": h.chunk.source,
                        "article": h.chunk.article,
                        "paragraph": h.chunk.paragraph,
                        "part": h.chunk.part,
                        "score": round(h.score, 4),
                        "routed": h.routed,
                    }
                    for h in self.retrieved
                ],
                "confidence": self.confidence,
                "confidence_p": self.probability,
                "see_also": [vars(s) for s in self.see_also],
                "timings_ms": self.timings_ms,
                "schema_version": ANSWER_SCHEMA_VERSION,
            }
        )
        if self.abstained:
            data["abstain_reason"] = self.reason
        return data
