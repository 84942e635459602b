"""The classifier fitted on the article profiles: the fit, its files in the build, and its part in retrieval."""

import numpy as np
import pytest

from qa.indexing.index import check_status, current_build, open_index
from qa.indexing.profile_classifier import ProfileClassifier
from qa.indexing.profile_vectors import CLASSIFIER, CLASSIFIER_LABELS
from qa.retrieval import hybrid


def _clusters(seed: int = 7) -> tuple[np.ndarray, list[str]]:
    """Three labels, each a cloud of unit vectors around its own direction, plus a direction all share
    (as every question shares "under the Convention")."""
    rng = np.random.default_rng(seed)
    centres = np.eye(8)[:3]
    shared = np.eye(8)[7] * 2.0
    rows, labels = [], []
    for label, centre in zip(("2", "5", "preamble"), centres):
        for _ in range(20):
            v = centre + shared + 0.3 * rng.standard_normal(8)
            rows.append(v / np.linalg.norm(v))
            labels.append(label)
    return np.array(rows, dtype=np.float32), labels


def test_the_fit_separates_the_labels_and_is_deterministic():
    vectors, labels = _clusters()
    first, second = ProfileClassifier.fit(vectors, labels), ProfileClassifier.fit(vectors, labels)
    assert first.labels == ("2", "5", "preamble")
    assert np.array_equal(first.weights, second.weights) and np.array_equal(first.bias, second.bias)
    predicted = [first.labels[int(np.argmax(first.probabilities(v)))] for v in vectors]
    assert predicted == labels
    p = first.probabilities(vectors[0])
    assert p.sum() == pytest.approx(1.0, abs=1e-6) and (p > 0).all()


def test_the_fit_reaches_the_optimum():
    """At the minimum of the penalised likelihood no small step in any direction lowers it."""
    vectors, labels = _clusters(3)
    fitted = ProfileClassifier.fit(vectors, labels)
    y = np.array([fitted.labels.index(label) for label in labels])

    def objective(weights, bias):
        z = vectors.astype(np.float64) @ weights + bias
        z -= z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return -log_p[np.arange(len(y)), y].mean() + 0.5 / (30.0 * len(y)) * float((weights ** 2).sum())

    best = objective(fitted.weights.astype(np.float64), fitted.bias.astype(np.float64))
    rng = np.random.default_rng(0)
    for _ in range(20):
        nudge = 1e-2 * rng.standard_normal(fitted.weights.shape)
        assert objective(fitted.weights + nudge, fitted.bias) >= best - 1e-6


def test_its_files_round_trip_and_inconsistent_ones_are_refused(tmp_path):
    fitted = ProfileClassifier.fit(*_clusters())
    fitted.write(tmp_path / "w.npy", tmp_path / "w.json")
    read = ProfileClassifier.read(tmp_path / "w.npy", tmp_path / "w.json")
    assert read.labels == fitted.labels and np.array_equal(read.weights, fitted.weights)
    np.save(tmp_path / "w.npy", np.zeros((9, 2), dtype=np.float32))
    with pytest.raises(ValueError, match="of shape"):
        ProfileClassifier.read(tmp_path / "w.npy", tmp_path / "w.json")


def test_a_build_keeps_its_classifier_and_a_tampered_one_is_detected(mini_settings):
    index = open_index(mini_settings)
    build = current_build(mini_settings.index_dir)
    classifier = index.profiles.classifier
    assert classifier is not None and classifier.weights.shape == (384, len(classifier.labels))
    assert set(classifier.labels) == {p.article for p in index.profiles.profiles}
    stacked = np.load(build / CLASSIFIER)
    np.save(build / CLASSIFIER, stacked * 2)
    status = check_status(mini_settings)
    assert status.state == "corrupted" and CLASSIFIER in status.reason
    assert CLASSIFIER_LABELS in index.manifest["checksums"]


@pytest.mark.parametrize("question, article", [
    ("Чи карається за конвенцією продаж програм для злому паролів?", "6"),
    ("Someone copied pirated films and sold them online, is that covered by the convention?", "10"),
])
def test_the_shipped_profiles_classifier_knows_what_everyday_questions_are_about(assistant, question, article):
    classifier = assistant.index.profiles.classifier
    p = classifier.probabilities(assistant.index.embedder.embed_queries([question])[0])
    assert classifier.labels[int(np.argmax(p))] == article


def test_the_classifier_adds_its_probability_to_the_article(assistant, monkeypatch):
    """Everything else equal, the article the classifier names gains exactly weight × its probability."""
    question = "Someone copied pirated films and sold them online, is that covered by the convention?"
    query = assistant.retriever.analyse(question)
    everything = len(assistant.index.chunks)

    def scores() -> dict[int, float]:
        return {h.row: h.score for h in assistant.retriever.retrieve(query, k=everything).hits
                if h.chunk.article == "10" and h.chunk.source == "convention"}

    with_classifier = scores()
    monkeypatch.setattr(hybrid, "CLASSIFIER_WEIGHT", 0.0)
    without = scores()
    classifier = assistant.index.profiles.classifier
    p = classifier.probabilities(query.vector)[classifier.labels.index("10")]
    assert with_classifier and with_classifier.keys() == without.keys()
    for row, score in with_classifier.items():
        assert score - without[row] == pytest.approx(1.0 * p, abs=1e-5)
