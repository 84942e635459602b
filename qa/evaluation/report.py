"""Reports of an evaluation run: a JSON report with stable keys, a Markdown summary, a PNG chart."""

from __future__ import annotations

import json
import math
from pathlib import Path

from .scoring import K_VALUES, Report, failures, paired_difference

TABLE_COLUMNS = ("top1", "recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10", "paragraph_accuracy",
                 "citation_precision", "citation_recall", "quote_fidelity", "unsupported_citations",
                 "abstention", "false_abstention", "latency_p50_ms", "latency_p95_ms")
REPORT_VERSION = 1


def _fmt(value: float | None, name: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value:.0f}" if name.startswith("latency") else f"{value:.3f}"


def _ci(report: Report, name: str) -> str:
    if name not in report.intervals:
        return ""
    low, high = report.intervals[name]
    return f" [{low:.2f}–{high:.2f}]"


def summary_markdown(reports: dict[str, Report], baseline: str | None = None, reference: str | None = None) -> str:
    """One row per system (overall), headline CIs in brackets, then per-language rows and paired differences."""
    cols = ("top1", "recall@5", "mrr@10", "ndcg@10", "paragraph_accuracy", "abstention", "false_abstention",
            "quote_fidelity", "latency_p50_ms")
    lines = ["| system | " + " | ".join(cols) + " |", "|---|" + "---|" * len(cols)]
    for name, report in reports.items():
        m = report.metrics["all"]
        cells = [_fmt(m.get(c), c) + (_ci(report, c) if c in ("top1", "recall@5") else "") for c in cols]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines += ["", "| system | language | n | top1 | recall@5 | mrr@10 | paragraph_accuracy |", "|---|---|---|---|---|---|---|"]
    for name, report in reports.items():
        for group in sorted(g for g in report.metrics if g.startswith("lang:")):
            m = report.metrics[group]
            lines.append(f"| {name} | {group[5:]} | {report.counts[group]} | " + " | ".join(
                _fmt(m.get(c), c) for c in ("top1", "recall@5", "mrr@10", "paragraph_accuracy")) + " |")
    lines += ["", "| system | question type | n | top1 | recall@5 | abstention |", "|---|---|---|---|---|---|"]
    for name, report in reports.items():
        for group in sorted(g for g in report.metrics if g.startswith("type:")):
            m = report.metrics[group]
            lines.append(f"| {name} | {group[5:]} | {report.counts[group]} | " + " | ".join(
                _fmt(m.get(c), c) for c in ("top1", "recall@5", "abstention")) + " |")
    if baseline and reference and baseline in reports and reference in reports:
        lines += ["", f"Paired differences, {reference} − {baseline} (bootstrap 95 % CI):", ""]
        for metric in ("top1", "recall@5", "mrr@10"):
            d = paired_difference(reports[reference], reports[baseline], metric)
            lines.append(f"- {metric}: {d['difference']:+.3f} [{d['ci95'][0]:+.3f}, {d['ci95'][1]:+.3f}] over {d['n']} questions")
    return "\n".join(lines)


def report_json(reports: dict[str, Report], extra: dict | None = None) -> dict:
    return {
        "report_version": REPORT_VERSION,
        "systems": {
            name: {"metrics": r.metrics, "counts": r.counts,
                   "confidence_95": {k: list(v) for k, v in r.intervals.items()}, "failures": failures(r)}
            for name, r in reports.items()
        },
        **(extra or {}),
    }


def write_chart(reports: dict[str, Report], path: Path) -> None:
    """Left: recall@k per system; right: top-1 accuracy per language per system."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    for name, report in reports.items():
        m = report.metrics["all"]
        left.plot(K_VALUES, [m.get(f"recall@{k}", float("nan")) for k in K_VALUES], marker="o", label=name)
    left.set_xlabel("k")
    left.set_ylabel("article recall@k")
    left.set_xticks(K_VALUES)
    left.set_ylim(0, 1.02)
    left.grid(alpha=0.3)
    left.legend(fontsize=8)
    langs = sorted({g for r in reports.values() for g in r.metrics if g.startswith("lang:")})
    width = 0.8 / max(len(reports), 1)
    for i, (name, report) in enumerate(reports.items()):
        values = [report.metrics.get(g, {}).get("top1", float("nan")) for g in langs]
        right.bar([j + i * width for j in range(len(langs))], values, width=width, label=name)
    right.set_xticks([j + width * (len(reports) - 1) / 2 for j in range(len(langs))])
    right.set_xticklabels([g[5:] for g in langs])
    right.set_ylabel("top-1 citation accuracy")
    right.set_ylim(0, 1.02)
    right.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_reports(reports: dict[str, Report], out: Path, baseline: str | None, reference: str | None,
                  extra: dict | None = None) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "report.json", "markdown": out / "summary.md", "chart": out / "chart.png",
             "failures": out / "failures.md"}
    data = report_json(reports, extra)
    if baseline and reference and baseline in reports and reference in reports:
        data["paired_differences"] = [paired_difference(reports[reference], reports[baseline], m)
                                      for m in ("top1", "recall@5", "mrr@10")]
    paths["json"].write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    paths["markdown"].write_text(summary_markdown(reports, baseline, reference) + "\n", encoding="utf-8")
    write_chart(reports, paths["chart"])
    lines = []
    for name, report in reports.items():
        lines.append(f"## {name}\n")
        for f in failures(report):
            lines.append(f"- {f['id']} [{f['lang']}/{f['type']}]: expected {', '.join(f['expected'])}; "
                         f"got {', '.join(f['got']) or '(nothing)'}")
        lines.append("")
    paths["failures"].write_text("\n".join(lines), encoding="utf-8")
    return paths
