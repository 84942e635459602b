"""Which provision a question is about, learned from the article profiles (sources.profiles).

Matching a question against the nearest profile (retrieval.profile_match) lets the words every question
shares ("is it a crime under the Convention?", "яка стаття конвенції?") decide as much as the facts: the
profiles of the final clauses say "конвенція" too. A classifier trained on all the profiles at once learns
which directions of the embedding tell the articles apart and which say nothing, so what remains is what
the question is about. It is a multinomial logistic regression over the profiles embedded as questions,
fitted with each index build (about a second) and kept in the build beside the profile vectors.

Measured on the 224 answerable calibration questions of a writer whose style no mechanism had been fitted
to, with the profiles alone as training data: the classifier's own first article is right for 0.77 of
them; adding its probabilities to the hybrid score moved the first retrieved article from 0.76 to 0.80
right (0.82 with the second profile set). Trained on evaluation questions as well, it did no better on
another writer's questions, so it learns from the profiles only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

C = 30.0  # inverse regularisation, per profile (as in scikit-learn's LogisticRegression(C=…))
FIT_VERSION = 1  # part of a cached fit's key: a change to the fit below must not reuse an older one
MAX_ITERATIONS = 400
HISTORY = 10  # L-BFGS memory
TOLERANCE = 1e-6


@dataclass(frozen=True)
class ProfileClassifier:
    """P(part | question) = softmax(question · weights + bias) over the parts the profiles describe."""

    labels: tuple[str, ...]  # the part each column scores: an article number, "preamble" or "header"
    weights: np.ndarray  # [dim, labels]
    bias: np.ndarray  # [labels]

    @classmethod
    def fit(cls, vectors: np.ndarray, labels: list[str]) -> "ProfileClassifier":
        """Maximum likelihood with an L2 penalty on the weights, by L-BFGS: deterministic, numpy only."""
        names = tuple(dict.fromkeys(labels))
        y = np.array([names.index(label) for label in labels], dtype=np.int64)
        x = np.asarray(vectors, dtype=np.float64)
        n, dim = x.shape
        onehot = np.zeros((n, len(names)))
        onehot[np.arange(n), y] = 1.0
        penalty = 1.0 / (C * n)

        def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
            w, b = theta[: dim * len(names)].reshape(dim, len(names)), theta[dim * len(names):]
            z = x @ w + b
            z -= z.max(axis=1, keepdims=True)
            log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
            p = np.exp(log_p)
            value = -float((log_p * onehot).sum()) / n + 0.5 * penalty * float((w * w).sum())
            grad_w = x.T @ (p - onehot) / n + penalty * w
            grad_b = (p - onehot).mean(axis=0)
            return value, np.concatenate([grad_w.ravel(), grad_b])

        theta = _lbfgs(loss, np.zeros(dim * len(names) + len(names)))
        weights = theta[: dim * len(names)].reshape(dim, len(names)).astype(np.float32)
        return cls(names, weights, theta[dim * len(names):].astype(np.float32))

    def probabilities(self, vector: np.ndarray) -> np.ndarray:
        """P(label | question) for each label, in `labels` order."""
        z = np.asarray(vector, dtype=np.float32).reshape(-1) @ self.weights + self.bias
        z = np.exp(z - z.max())
        return z / z.sum()

    def to_json(self) -> dict:
        return {"labels": list(self.labels), "dim": int(self.weights.shape[0]), "c": C}

    def stacked(self) -> np.ndarray:
        """Weights with the bias as their last row: one float32 array, as the build and the cache keep it."""
        return np.vstack([self.weights, self.bias[None, :]]).astype(np.float32)

    @classmethod
    def from_stacked(cls, labels: tuple[str, ...], stacked: np.ndarray) -> "ProfileClassifier":
        if stacked.ndim != 2 or stacked.shape[1] != len(labels) or stacked.shape[0] < 2:
            raise ValueError(f"classifier weights of shape {stacked.shape} for {len(labels)} labels")
        return cls(labels, np.ascontiguousarray(stacked[:-1]), np.ascontiguousarray(stacked[-1]))

    def write(self, weights_path: Path, labels_path: Path) -> None:
        np.save(weights_path, self.stacked(), allow_pickle=False)
        labels_path.write_text(json.dumps(self.to_json(), ensure_ascii=False), encoding="utf-8")

    @classmethod
    def read(cls, weights_path: Path, labels_path: Path) -> "ProfileClassifier":
        """Raises OSError or ValueError on unreadable or inconsistent files (the index reports corruption)."""
        try:
            labels = tuple(str(label) for label in json.loads(labels_path.read_text(encoding="utf-8"))["labels"])
        except (KeyError, TypeError) as exc:
            raise ValueError(f"{labels_path.name}: no labels") from exc
        return cls.from_stacked(labels, np.load(weights_path, allow_pickle=False))


def _lbfgs(loss, theta: np.ndarray) -> np.ndarray:
    """Minimise a smooth convex `loss(theta) -> (value, gradient)` (two-loop recursion, Armijo backtracking)."""
    value, grad = loss(theta)
    steps: list[tuple[np.ndarray, np.ndarray, float]] = []
    for _ in range(MAX_ITERATIONS):
        direction = -grad
        alphas = []
        for s, y, rho in reversed(steps):
            alpha = rho * float(s @ direction)
            direction = direction - alpha * y
            alphas.append(alpha)
        if steps:
            s, y, _ = steps[-1]
            direction = direction * (float(s @ y) / float(y @ y))
        for (s, y, rho), alpha in zip(steps, reversed(alphas)):
            direction = direction + s * (alpha - rho * float(y @ direction))
        slope = float(grad @ direction)
        if slope >= 0:  # not a descent direction: start the memory again
            steps.clear()
            direction, slope = -grad, -float(grad @ grad)
        step = 1.0
        while True:
            candidate = theta + step * direction
            new_value, new_grad = loss(candidate)
            if new_value <= value + 1e-4 * step * slope or step < 1e-10:
                break
            step /= 2
        s, y = candidate - theta, new_grad - grad
        if float(s @ y) > 1e-12:
            steps.append((s, y, 1.0 / float(s @ y)))
            del steps[:-HISTORY]
        converged = abs(value - new_value) <= TOLERANCE * max(1.0, abs(value))
        theta, value, grad = candidate, new_value, new_grad
        if converged or float(np.abs(grad).max()) < TOLERANCE:
            break
    return theta
