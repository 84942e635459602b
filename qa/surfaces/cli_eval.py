"""`qa eval`: citation accuracy, retrieval and declining on gold questions, with baselines side by side."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..config import Settings
from ..evaluation.runner import LANGCHAIN_SYSTEM, PROJECT_SYSTEM, compare_systems, run_gold
from .terminal import progress

DEFAULT_GOLD = Path(__file__).resolve().parents[2] / "eval" / "gold.jsonl"


def _parse_minimums(items: tuple[str, ...]) -> dict[str, float]:
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep:
            raise click.BadParameter(f"{item!r}: expected NAME=VALUE, e.g. top1=0.85", param_hint="--min")
    return out


@click.command("eval")
@click.option("--gold", "gold_paths", type=click.Path(exists=True, dir_okay=False, path_type=Path), multiple=True,
              default=[DEFAULT_GOLD], show_default=True,
              help="Gold questions (JSONL); repeat for several splits (each file is reported as its own split).")
@click.option("--fit-confidence", "fit", is_flag=True,
              help="Fit the confidence model (qa/data/confidence.json) on these gold questions: the calibration split.")
@click.option("--answers", "answers_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Score these answers (JSON contract, JSONL) instead of running this project.")
@click.option("--min", "minimums", multiple=True, help="Fail (exit 1) below a threshold: --min top1=0.85")
@click.option("--json", "as_json", is_flag=True, help="Print the machine-readable report.")
@click.option("--save-answers", type=click.Path(dir_okay=False, path_type=Path), help="Write the answers JSONL.")
@click.option("--compare", is_flag=True, help="Also run the baselines on the same questions, side by side.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write report.json, summary.md, chart.png and failures.md here.")
@click.pass_context
def evaluate(ctx, gold_paths, answers_path, minimums, as_json, save_answers, compare, out_dir, fit) -> None:
    """Score citation accuracy, retrieval and abstention on a gold set, per language and question type."""
    from ..evaluation.scoring import (
        check_thresholds,
        failures,
        format_table,
        match_answers,
        read_gold,
        read_jsonl,
        score,
    )
    from ..sources.corpus import corpus_files, load_chunks, source_texts

    settings: Settings = ctx.obj
    limits = _parse_minimums(minimums)
    gold = read_gold(list(gold_paths))
    gold_path = ", ".join(str(p) for p in gold_paths)
    files = corpus_files(settings.corpus_dir)
    chunks, sources = load_chunks(files), source_texts(files)
    if compare:
        if answers_path:
            raise click.UsageError("--compare runs the systems itself; it does not take --answers")
        reports = compare_systems(settings, gold, chunks, sources, progress)
        report = reports[PROJECT_SYSTEM]
        from ..evaluation.report import summary_markdown, write_reports

        click.echo(summary_markdown(reports, LANGCHAIN_SYSTEM, PROJECT_SYSTEM))
        if out_dir:
            for kind, path in write_reports(reports, out_dir, LANGCHAIN_SYSTEM, PROJECT_SYSTEM,
                                            {"gold": str(gold_path), "questions": len(gold)}).items():
                click.echo(f"wrote {kind}: {path}", err=True)
        problems = check_thresholds(report, limits)
        for line in problems:
            click.echo(f"below threshold: {line}", err=True)
        if problems:
            sys.exit(1)
        return
    if answers_path:
        answers = read_jsonl(answers_path)
        for warning in match_answers(gold, answers):
            click.echo(f"warning: {answers_path}: {warning}", err=True)
    else:
        answers = run_gold(settings, gold, progress, fit)
    if save_answers:
        save_answers.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in answers), encoding="utf-8")
    report = score(gold, answers, chunks, sources)
    if out_dir:
        from ..evaluation.report import write_reports

        write_reports({PROJECT_SYSTEM if not answers_path else str(answers_path): report}, out_dir, None, None)
    if as_json:
        click.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(format_table(report))
        for f in failures(report):
            click.echo(f"  miss {f['id']} [{f['lang']}/{f['type']}]: expected {f['expected']}, got {f['got']}")
    problems = check_thresholds(report, limits)
    for line in problems:
        click.echo(f"below threshold: {line}", err=True)
    if problems:
        sys.exit(1)
