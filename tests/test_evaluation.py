"""The scorer's arithmetic on hand-computed fixtures."""

import math

import pytest

from qa.evaluation.scoring import check_thresholds, mrr_at, ndcg_at, recall_at, retrieved_parts, score
from qa.sources.chunks import Chunk

CHUNKS = [
    Chunk("convention:art2", "convention", "article", "доступ без права на це.", "uk", 0, article="2"),
    Chunk("convention:art16:2", "convention", "article", "з максимальним терміном у 90 днів.", "uk", 1,
          article="16", paragraph="2"),
    Chunk("convention:header", "convention", "header", "Дата ратифікації: 07.09.2005", "uk", 2),
]


def _answer(qid, cited, retrieved, abstained=False, quote=None):
    cites = [{"marker": i + 1, "source": "convention", "article": a, "paragraph": p, "chunk_id": cid,
              "quote": quote or text} for i, (a, p, cid, text) in enumerate(cited)]
    return {"id": qid, "abstained": abstained, "citations": cites,
            "retrieved": [{"chunk_id": cid, "source": "convention", "article": a, "paragraph": p}
                          for a, p, cid in retrieved], "timings_ms": {"total": 10.0}}


def test_rank_metrics():
    assert recall_at(["3", "2", "5"], {"2"}, 1) == 0.0
    assert recall_at(["3", "2", "5"], {"2", "9"}, 3) == 0.5
    assert mrr_at(["3", "2"], {"2"}, 10) == 0.5
    assert mrr_at([], {"2"}, 10) == 0.0  # empty retrieval
    assert ndcg_at(["2"], {"2"}, 10) == 1.0
    assert math.isclose(ndcg_at(["3", "2"], {"2", "5"}, 10), (1 / math.log2(3)) / (1 + 1 / math.log2(3)))


def test_retrieved_parts_dedupe_in_rank_order():
    a = _answer("q", [], [("16", "2", "x"), ("16", "1", "y"), (None, None, "convention:header"), ("2", None, "z")])
    a["retrieved"][2]["part"] = "header"
    assert retrieved_parts(a) == ["16", "header", "2"]


def test_score_top1_paragraph_abstention_and_fabrication():
    gold = [
        {"id": "1", "lang": "en", "type": "t", "answerable": True, "articles": ["16"], "paragraphs": ["16.2"]},
        {"id": "2", "lang": "uk", "type": "t", "answerable": True, "articles": ["2", "16"], "paragraphs": []},
        {"id": "3", "lang": "en", "type": "u", "answerable": False, "articles": [], "paragraphs": []},
        {"id": "4", "lang": "uk", "type": "u", "answerable": False, "articles": [], "paragraphs": []},
        {"id": "5", "lang": "en", "type": "t", "answerable": True, "articles": ["2"], "paragraphs": []},
    ]
    answers = [
        _answer("1", [("16", "2", "convention:art16:2", "з максимальним терміном у 90 днів.")],
                [("16", "2", "convention:art16:2")]),
        # cites 2 then 16 (both gold), second quote fabricated and chunk not retrieved
        _answer("2", [("2", None, "convention:art2", "доступ без права на це."),
                      ("16", "1", "convention:art16:1", "вигаданий текст")], [("2", None, "convention:art2")]),
        _answer("3", [], [("2", None, "convention:art2")], abstained=True),
        _answer("4", [("2", None, "convention:art2", "доступ без права на це.")], [("2", None, "convention:art2")]),
        # question 5 has no answer at all: counts as an abstention
    ]
    report = score(gold, answers, CHUNKS)
    m = report.metrics["all"]
    assert m["top1"] == pytest.approx(2 / 3)  # q1 right, q2 right, q5 missing
    assert m["paragraph_accuracy"] == 1.0  # only q1 has gold paragraphs
    assert m["recall@5"] == pytest.approx((1 + 0.5 + 0) / 3)
    assert m["abstention"] == 0.5  # q3 abstained, q4 answered
    assert m["false_abstention"] == pytest.approx(1 / 3)  # q5
    assert m["fabricated_quotes"] == 1.0
    assert m["unsupported_citation_count"] == 1.0
    assert m["citation_precision"] == 1.0  # q1 {16}, q2 {2,16}: all cited parts gold
    assert m["citation_recall"] == pytest.approx((1 + 1 + 0) / 3)
    assert report.metrics["lang:uk"]["abstention"] == 0.0
    assert report.counts["lang:en"] == 3
    assert check_thresholds(report, {"top1": 0.5}) == []
    assert check_thresholds(report, {"top1": 0.9}) == ["top1 = 0.667 < 0.9"]
    low, high = report.intervals["top1"]
    assert 0.0 <= low <= m["top1"] <= high <= 1.0


def test_header_part_and_commentary_source():
    gold = [{"id": "h", "lang": "uk", "answerable": True, "articles": ["header"]},
            {"id": "c", "lang": "en", "answerable": True, "articles": ["commentary-x"]}]
    answers = [
        {"id": "h", "abstained": False, "citations": [{"source": "convention", "article": None, "part": "header",
                                                        "chunk_id": "convention:header", "quote": "07.09.2005"}],
         "retrieved": [{"chunk_id": "convention:header", "source": "convention", "part": "header"}]},
        {"id": "c", "abstained": False, "citations": [{"source": "commentary-x", "article": None,
                                                        "chunk_id": "commentary-x:1", "quote": "nowhere"}],
         "retrieved": [{"chunk_id": "commentary-x:1", "source": "commentary-x"}]},
    ]
    report = score(gold, answers, CHUNKS)
    assert report.metrics["all"]["top1"] == 1.0
    assert report.metrics["all"]["fabricated_quotes"] == 1.0  # commentary quote not in any chunk


def test_ties_and_repeated_parts_keep_rank_order():
    # equal scores are ranked as listed; several chunks of one article count once, at their first rank
    a = _answer("t", [], [("5", "1", "a"), ("5", "2", "b"), ("2", None, "c"), ("16", "2", "d")])
    for r in a["retrieved"]:
        r["score"] = 0.5
    ranked = retrieved_parts(a)
    assert ranked == ["5", "2", "16"]
    assert mrr_at(ranked, {"2", "16"}, 10) == 0.5
    assert recall_at(ranked, {"2", "16"}, 2) == 0.5
    assert ndcg_at(ranked, {"2", "16"}, 10) == pytest.approx(
        (1 / math.log2(3) + 1 / math.log2(4)) / (1 + 1 / math.log2(3)))


def test_empty_inputs_do_not_crash():
    report = score([{"id": "x", "lang": "en", "answerable": True, "articles": ["2"]}],
                   [{"id": "x", "abstained": False, "citations": [], "retrieved": []}], CHUNKS)
    m = report.metrics["all"]
    assert m["top1"] == 0.0 and m["recall@5"] == 0.0 and m["mrr@10"] == 0.0
    assert "quote_fidelity" not in m  # no citations, nothing to measure
