"""Scoring answers against gold questions. Works on the JSON contract alone, so it scores any system.

Gold lines: {"id", "question", "lang", "type", "answerable", "articles": [...], "paragraphs": [...]}.
`articles` holds "parts": article numbers, or "header" / "preamble" / "closing", or a commentary id.
`paragraphs` holds "16.2"-style keys where the paragraph matters.
"""

from __future__ import annotations

import json
import math
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median

from ..sources.chunks import Chunk

K_VALUES = (1, 3, 5, 10)
HEADLINE = ("top1", "recall@5", "mrr@10", "paragraph_accuracy", "abstention", "false_abstention", "leads_with_value")


def _ws(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def citation_part(c: dict) -> str | None:
    """What a citation points at: its `part`, else its article, else its (non-convention) source."""
    if c.get("part"):
        return str(c["part"])
    if c.get("article"):
        return str(c["article"])
    source = c.get("source")
    return source if source and source != "convention" else None


def retrieved_parts(answer: dict) -> list[str]:
    """Distinct parts in rank order (several chunks of one article count once)."""
    seen: dict[str, None] = {}
    for r in answer.get("retrieved") or []:
        part = citation_part(r)
        if part is not None:
            seen.setdefault(part, None)
    return list(seen)


def retrieved_paragraphs(answer: dict) -> list[str]:
    seen: dict[str, None] = {}
    for r in answer.get("retrieved") or []:
        if r.get("article") and r.get("paragraph"):
            seen.setdefault(f"{r['article']}.{r['paragraph']}", None)
    return list(seen)


def recall_at(ranked: list[str], gold: set[str], k: int) -> float:
    if not gold:
        return 0.0
    return len(gold & set(ranked[:k])) / len(gold)


def mrr_at(ranked: list[str], gold: set[str], k: int) -> float:
    for i, item in enumerate(ranked[:k], start=1):
        if item in gold:
            return 1.0 / i
    return 0.0


def ndcg_at(ranked: list[str], gold: set[str], k: int) -> float:
    dcg = sum(1.0 / math.log2(i + 1) for i, item in enumerate(ranked[:k], start=1) if item in gold)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(gold), k) + 1))
    return dcg / ideal if ideal else 0.0


@dataclass
class QuestionScore:
    id: str
    lang: str
    type: str
    answerable: bool
    abstained: bool
    values: dict[str, float]  # metric -> value for this question (absent when not applicable)
    expected: list[str]
    got: list[str]
    fabricated: int
    unsupported: int
    latency_ms: float | None
    split: str = ""  # the gold file it came from: dev, calibration, test
    confidence_p: float | None = None  # the system's own estimate that its first citation is right


def score_one(gold: dict, answer: dict, corpus_text: dict[str, str], source_text: dict[str, str]) -> QuestionScore:
    parts = set(gold.get("articles") or [])
    paras = set(gold.get("paragraphs") or [])
    answerable = bool(gold.get("answerable", bool(parts)))
    abstained = bool(answer.get("abstained"))
    citations = [] if abstained else list(answer.get("citations") or [])
    cited_parts = [p for p in (citation_part(c) for c in citations) if p]
    ranked = retrieved_parts(answer)
    values: dict[str, float] = {}
    if answerable:
        values["top1"] = float(bool(cited_parts) and cited_parts[0] in parts)
        for k in K_VALUES:
            values[f"recall@{k}"] = recall_at(ranked, parts, k)
        values["mrr@10"] = mrr_at(ranked, parts, 10)
        values["ndcg@10"] = ndcg_at(ranked, parts, 10)
        values["false_abstention"] = float(abstained)
        distinct = list(dict.fromkeys(cited_parts))
        if not abstained:
            values["citation_precision"] = (len([p for p in distinct if p in parts]) / len(distinct)) if distinct else 0.0
        values["citation_recall"] = len(parts & set(distinct)) / len(parts)
        if paras:
            first = citations[0] if citations else {}
            key = f"{first.get('article')}.{first.get('paragraph')}" if first else ""
            values["paragraph_accuracy"] = float(key in paras)
            ranked_paras = retrieved_paragraphs(answer)
            values["paragraph_recall@5"] = recall_at(ranked_paras, paras, 5)
            values["paragraph_mrr@10"] = mrr_at(ranked_paras, paras, 10)
    else:
        values["abstention"] = float(abstained)
    if gold.get("expect") and answerable:
        values["leads_with_value"] = float(not abstained and _ws(gold["expect"]) in _ws(answer.get("answer", "")))
    fabricated = sum(1 for c in citations if not _quote_found(c, corpus_text, source_text))
    retrieved_ids = {r.get("chunk_id") for r in answer.get("retrieved") or []}
    unsupported = sum(1 for c in citations if c.get("chunk_id") not in retrieved_ids)
    if citations:
        values["quote_fidelity"] = 1.0 - fabricated / len(citations)
        values["unsupported_citations"] = unsupported / len(citations)
    latency = (answer.get("timings_ms") or {}).get("total")
    return QuestionScore(str(gold.get("id")), gold.get("lang") or answer.get("language") or "?",
                         gold.get("type") or "?", answerable, abstained, values, sorted(parts),
                         cited_parts, fabricated, unsupported, latency, gold.get("split", ""),
                         answer.get("confidence_p"))


def _quote_found(citation: dict, corpus_text: dict[str, str], source_text: dict[str, str]) -> bool:
    """The quote, and every entry of `quotes`, occurs in its chunk or in the whole text of its source
    (the English convention's rendered text for English quotes)."""
    quotes = [citation.get("quote", "")] + list((citation.get("quotes") or {}).values())
    return all(_one_quote_found(_ws(q), citation, corpus_text, source_text) for q in quotes)


def _one_quote_found(quote: str, citation: dict, corpus_text: dict[str, str], source_text: dict[str, str]) -> bool:
    if not quote:
        return False
    chunk_id = citation.get("chunk_id", "")
    if any(quote in corpus_text.get(key, "") for key in (chunk_id, f"{chunk_id}@en")):
        return True
    source = citation.get("source", "")
    return quote in source_text.get(source, "") or quote in source_text.get(f"{source}:en", "")


@dataclass
class Report:
    questions: list[QuestionScore]
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)  # group -> metric -> mean
    counts: dict[str, int] = field(default_factory=dict)
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)  # overall headline 95 % CI

    def reliability(self) -> list[dict]:
        """How well the system's confidence matches how often its first citation is right (answered only)."""
        from ..retrieval.confidence import reliability

        pairs = [(s.confidence_p, s.values["top1"]) for s in self.questions
                 if s.answerable and not s.abstained and s.confidence_p is not None and "top1" in s.values]
        return reliability([p for p, _ in pairs], [bool(c) for _, c in pairs])

    def to_json(self) -> dict:
        return {
            "metrics": self.metrics,
            "counts": self.counts,
            "confidence_95": {k: list(v) for k, v in self.intervals.items()},
            "reliability": self.reliability(),
            "failures": failures(self),
        }


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def _aggregate(scores: list[QuestionScore]) -> dict[str, float]:
    names = sorted({name for s in scores for name in s.values})
    out = {name: _mean([s.values[name] for s in scores if name in s.values]) for name in names}
    out["fabricated_quotes"] = float(sum(s.fabricated for s in scores))
    out["unsupported_citation_count"] = float(sum(s.unsupported for s in scores))
    latencies = sorted(s.latency_ms for s in scores if s.latency_ms is not None)
    if latencies:
        out["latency_p50_ms"] = median(latencies)
        out["latency_p95_ms"] = latencies[min(len(latencies) - 1, math.ceil(0.95 * len(latencies)) - 1)]
    return out


def bootstrap_ci(values: list[float], rounds: int = 1000, seed: int = 13) -> tuple[float, float]:
    """Percentile bootstrap 95 % interval of the mean (deterministic seed: reports are reproducible)."""
    if not values:
        return (float("nan"), float("nan"))
    rng = random.Random(seed)
    n = len(values)
    means = sorted(sum(values[rng.randrange(n)] for _ in range(n)) / n for _ in range(rounds))
    return (means[int(0.025 * rounds)], means[min(rounds - 1, int(0.975 * rounds))])


def match_answers(gold: list[dict], answers: list[dict]) -> list[str]:
    """Check that answers written elsewhere belong to this gold set, before they are scored.

    Answers are matched to gold questions by `id`; an unmatched question is scored as an abstention.
    When no id matches at all, every question would silently score top-1 0 and abstention 1.000, so
    that is an error naming both sides' ids. Partial matches return warning lines.
    """
    from ..errors import QAError

    gold_ids = [str(g.get("id")) for g in gold]
    answer_ids = [str(a["id"]) for a in answers if a.get("id") is not None]
    matched = set(gold_ids) & set(answer_ids)
    if not matched:
        sample = ", ".join(repr(i) for i in answer_ids[:3]) or "none"
        raise QAError(f"none of the {len(answers)} answers has the id of a gold question (answer ids: {sample}; "
                      f"gold ids: {', '.join(repr(i) for i in gold_ids[:3])}, …); nothing to score")
    warnings = []
    missing = [i for i in gold_ids if i not in matched]
    if missing:
        warnings.append(f"{len(missing)} of {len(gold_ids)} gold questions have no answer and count as "
                        f"abstentions: {', '.join(missing[:5])}{' …' if len(missing) > 5 else ''}")
    extra = [i for i in answer_ids if i not in set(gold_ids)]
    without_id = len(answers) - len(answer_ids)
    if extra or without_id:
        warnings.append(f"{len(extra) + without_id} answer(s) match no gold question and are ignored"
                        + (f": {', '.join(extra[:5])}{' …' if len(extra) > 5 else ''}" if extra else ""))
    return warnings


def score(gold: list[dict], answers: list[dict], chunks: list[Chunk], sources: dict[str, str] | None = None) -> Report:
    """Match answers to gold by id (missing answers count as abstentions) and aggregate.

    A quote is faithful when it occurs in its cited chunk or, for systems with chunks of their own,
    anywhere in the whole text of its source (`sources`, whitespace folded).
    """
    corpus_text = {c.chunk_id: _ws(c.text) for c in chunks}
    corpus_text.update({f"{c.chunk_id}@en": _ws(c.text_en) for c in chunks if c.text_en})
    source_text: dict[str, str] = dict(sources or {})
    for c in chunks:
        if not sources:
            source_text[c.source] = source_text.get(c.source, "") + " " + _ws(c.text)
    by_id = {str(a.get("id")): a for a in answers if a.get("id") is not None}
    scores = []
    for g in gold:
        answer = by_id.get(str(g.get("id")), {"abstained": True, "citations": [], "retrieved": []})
        scores.append(score_one(g, answer, corpus_text, source_text))
    report = Report(scores)
    groups: dict[str, list[QuestionScore]] = {"all": scores}
    for s in scores:
        groups.setdefault(f"lang:{s.lang}", []).append(s)
        groups.setdefault(f"type:{s.type}", []).append(s)
        if s.split:
            groups.setdefault(f"split:{s.split}", []).append(s)
    report.metrics = {name: _aggregate(group) for name, group in groups.items()}
    report.counts = {name: len(group) for name, group in groups.items()}
    for name in HEADLINE:
        values = [s.values[name] for s in scores if name in s.values]
        if values:
            report.intervals[name] = bootstrap_ci(values)
    return report


def paired_difference(a: Report, b: Report, metric: str, rounds: int = 1000, seed: int = 13) -> dict:
    """Mean of (a − b) over questions both systems were scored on, with a paired bootstrap 95 % interval."""
    av = {s.id: s.values[metric] for s in a.questions if metric in s.values}
    bv = {s.id: s.values[metric] for s in b.questions if metric in s.values}
    common = [q for q in av if q in bv]
    diffs = [av[q] - bv[q] for q in common]
    low, high = bootstrap_ci(diffs, rounds, seed)
    return {"metric": metric, "n": len(diffs), "difference": _mean(diffs), "ci95": [low, high]}


def failures(report: Report) -> list[dict]:
    out = []
    for s in report.questions:
        wrong = (s.answerable and s.values.get("top1", 1.0) < 1.0) or (not s.answerable and not s.abstained)
        if wrong or s.fabricated:
            out.append({"id": s.id, "lang": s.lang, "type": s.type, "expected": s.expected or ["(abstain)"],
                        "got": s.got or (["(abstained)"] if s.abstained else []), "fabricated": s.fabricated})
    return out


def read_gold(paths: list[Path]) -> list[dict]:
    """Gold questions from one or more files; each question remembers its file as its split
    (`eval/test.jsonl` → "test", `eval/gold.jsonl` → "dev")."""
    out = []
    for path in paths:
        split = "dev" if path.stem == "gold" else path.stem
        out.extend({**g, "split": g.get("split", split)} for g in read_jsonl(path))
    return out


def read_jsonl(path: Path) -> list[dict]:
    records = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                from ..errors import QAError

                raise QAError(f"{path}:{number}: not a JSON object ({exc.msg})") from exc
    return records


def format_table(report: Report, groups: list[str] | None = None) -> str:
    """A Markdown table of the headline metrics per group."""
    columns = ("top1", "recall@5", "mrr@10", "paragraph_accuracy", "abstention", "false_abstention",
               "leads_with_value", "fabricated_quotes", "latency_p50_ms")
    groups = groups or ["all"] + sorted(g for g in report.metrics if g.split(":")[0] in ("split", "lang", "type"))
    lines = ["| group | n | " + " | ".join(columns) + " |", "|---|---|" + "---|" * len(columns)]
    for g in groups:
        m = report.metrics.get(g, {})
        cells = []
        for c in columns:
            v = m.get(c)
            cells.append("–" if v is None or (isinstance(v, float) and math.isnan(v)) else
                         (f"{v:.0f}" if c in ("fabricated_quotes", "latency_p50_ms") else f"{v:.3f}"))
        lines.append(f"| {g} | {report.counts.get(g, 0)} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def check_thresholds(report: Report, minimums: dict[str, float]) -> list[str]:
    """Metrics below their minimum (overall group), as readable lines; empty when all pass."""
    problems = []
    for name, minimum in minimums.items():
        value = report.metrics["all"].get(name)
        if value is None or math.isnan(value):
            problems.append(f"{name}: not measured")
        elif value < minimum:
            problems.append(f"{name} = {value:.3f} < {minimum}")
    return problems
