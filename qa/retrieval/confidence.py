"""How sure an answer is: a small logistic model over retrieval features, fitted on the calibration split.

Declining is for questions outside the corpus; everything else is answered, and this model says whether
the first citation is likely right ("high") or a lawyer should look at the alternatives too ("low").
The coefficients live in `qa/data/confidence.json`, written by `qa eval --fit-confidence` from
`eval/calibration.jsonl`; the test split only reports how well they are calibrated.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .hybrid import Retrieval

MODEL_PATH = Path(__file__).resolve().parent.parent / "data" / "confidence.json"
FEATURES = ("top_score", "margin", "top_dense", "coverage", "concept_agrees", "scenario", "english")
HIGH = 0.5  # probability of a right first citation at or above which an answer is "high" confidence


def features(retrieval: Retrieval) -> dict[str, float]:
    """What retrieval knows about its own answer: how clear the winner is and how well it is grounded."""
    hits = retrieval.hits
    if not hits:
        return dict.fromkeys(FEATURES, 0.0)
    top = hits[0]
    rival = next((h for h in hits[1:] if h.chunk.part != top.chunk.part), None)
    targets = {t.article for c in retrieval.query.concepts for t in c.targets}
    return {
        "top_score": top.score,
        "margin": top.score - (rival.score if rival else 0.0),
        "top_dense": max(h.dense for h in hits[:3]),
        "coverage": retrieval.lexical_coverage,
        "concept_agrees": float(top.chunk.part in targets),
        "scenario": float(retrieval.query.is_scenario),
        "english": float(retrieval.query.lang == "en"),
    }


@dataclass(frozen=True)
class ConfidenceModel:
    weights: tuple[float, ...]
    bias: float
    mean: tuple[float, ...]
    scale: tuple[float, ...]

    def probability(self, values: dict[str, float]) -> float:
        x = [(values[name] - m) / s for name, m, s in zip(FEATURES, self.mean, self.scale)]
        z = self.bias + sum(w * v for w, v in zip(self.weights, x))
        return 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))

    def to_json(self) -> dict:
        return {"features": list(FEATURES), "weights": list(self.weights), "bias": self.bias,
                "mean": list(self.mean), "scale": list(self.scale), "high_at": HIGH}

    @classmethod
    def from_json(cls, data: dict) -> "ConfidenceModel":
        if data.get("features") != list(FEATURES):
            raise ValueError("confidence model was fitted on other features; refit with qa eval --fit-confidence")
        return cls(tuple(data["weights"]), float(data["bias"]), tuple(data["mean"]), tuple(data["scale"]))


def fit(rows: list[dict[str, float]], correct: list[bool], l2: float = 1.0, steps: int = 500) -> ConfidenceModel:
    """L2-regularised logistic regression by Newton steps on standardised features (deterministic)."""
    x = np.array([[r[name] for name in FEATURES] for r in rows], dtype=np.float64)
    y = np.array(correct, dtype=np.float64)
    mean = x.mean(axis=0)
    scale = np.where(x.std(axis=0) > 1e-9, x.std(axis=0), 1.0)
    z = np.hstack([np.ones((len(x), 1)), (x - mean) / scale])
    w = np.zeros(z.shape[1])
    penalty = np.eye(z.shape[1]) * l2
    penalty[0, 0] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-z @ w))
        gradient = z.T @ (p - y) + penalty @ w
        hessian = (z * (p * (1 - p))[:, None]).T @ z + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return ConfidenceModel(tuple(float(v) for v in w[1:]), float(w[0]), tuple(float(v) for v in mean),
                           tuple(float(v) for v in scale))


@lru_cache(maxsize=1)
def load_model(path: Path = MODEL_PATH) -> ConfidenceModel | None:
    if not path.exists():
        return None
    return ConfidenceModel.from_json(json.loads(path.read_text(encoding="utf-8")))


def assess(retrieval: Retrieval, signals: dict[str, float]) -> tuple[float, str]:
    """(probability the first citation is right, "high" | "low"); routed references are "high"."""
    if any(h.routed for h in retrieval.hits):
        return 1.0, "high"
    model = load_model()
    if model is None:
        return 0.5, "low"
    p = model.probability(signals)
    return p, "high" if p >= HIGH else "low"


def fit_on_answers(answers: list, gold: list[dict], path: Path = MODEL_PATH) -> ConfidenceModel:
    """Fit on answered, unrouted questions of a gold split (target: the first citation's part is gold),
    write the model and return it."""
    by_id = {str(g["id"]): g for g in gold}
    rows, correct = [], []
    for answer in answers:
        g = by_id.get(str(answer.id))
        if g is None or not g.get("answerable", True) or answer.abstained or not answer.features:
            continue
        if any(h.routed for h in answer.retrieved):
            continue
        rows.append(answer.features)
        correct.append(answer.citations[0].part in set(g.get("articles") or []))
    if len(set(correct)) < 2:
        raise ValueError("fitting needs both right and wrong first citations in the gold split")
    model = fit(rows, correct)
    path.write_text(json.dumps(model.to_json(), indent=2) + "\n", encoding="utf-8")
    load_model.cache_clear()
    return model


def reliability(probabilities: list[float], correct: list[bool], bins: int = 5) -> list[dict]:
    """Reliability table: per probability bin, how many answers, mean predicted, share actually right."""
    table = []
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        members = [(p, c) for p, c in zip(probabilities, correct) if low <= p < high or (b == bins - 1 and p == 1.0)]
        if members:
            table.append({"bin": f"{low:.1f}–{high:.1f}", "n": len(members),
                          "predicted": sum(p for p, _ in members) / len(members),
                          "observed": sum(c for _, c in members) / len(members)})
    return table
