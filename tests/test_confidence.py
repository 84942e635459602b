"""The confidence model: fitted deterministically, saved in one JSON form, calibrated per bin."""

import json
import random

from qa.retrieval.confidence import FEATURES, ConfidenceModel, fit, load_model, reliability


def _rows(n: int, seed: int):
    rng = random.Random(seed)
    rows, right = [], []
    for _ in range(n):
        margin = rng.random()
        rows.append({name: rng.random() for name in FEATURES} | {"margin": margin})
        right.append(rng.random() < margin)  # a clearer winner is right more often
    return rows, right


def test_fit_is_deterministic_and_learns_the_signal():
    rows, right = _rows(300, 1)
    a, b = fit(rows, right), fit(rows, right)
    assert a == b
    clear = {name: 0.5 for name in FEATURES} | {"margin": 0.95}
    unclear = clear | {"margin": 0.05}
    assert a.probability(clear) > 0.7 > 0.3 > a.probability(unclear)


def test_one_json_form_round_trips():
    model = fit(*_rows(100, 2))
    assert ConfidenceModel.from_json(json.loads(json.dumps(model.to_json()))) == model


def test_the_shipped_model_was_fitted_on_the_current_features():
    model = load_model()
    assert model is not None and len(model.weights) == len(FEATURES)


def test_reliability_table_bins_predictions():
    table = reliability([0.1, 0.15, 0.9, 0.95, 1.0], [False, False, True, True, False])
    assert [row["n"] for row in table] == [2, 3]
    assert table[0]["observed"] == 0.0 and abs(table[1]["observed"] - 2 / 3) < 1e-9
