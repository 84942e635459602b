"""`qa ingest`, `qa sources list`, `qa sources remove`: the user's own sources, added to the live index
without a rebuild. Each file is registered (checksum, title, kind, languages, stored copy), cut into
chunks, and only those chunks are embedded; the index is swapped atomically, so a failure anywhere leaves
the previous index in use and the registry as it was."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .terminal import progress

KIND_CHOICES = ("commentary", "act", "translation")


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--title", help="Title to cite the source by (default: the document's own title).")
@click.option("--kind", type=click.Choice(KIND_CHOICES),
              help="commentary (cited by page or heading), act (by article), translation (as commentary for now); "
                   "default: act when it is shaped like one, else commentary.")
@click.option("--json", "as_json", is_flag=True, help="Print what was done as JSON.")
@click.pass_context
def ingest(ctx, paths: tuple[Path, ...], title: str | None, kind: str | None, as_json: bool) -> None:
    """Add PDF, DOCX, HTML, Markdown or text files as sources, embedding only their own chunks."""
    from ..indexing.library import ingest_files

    if title and len(paths) > 1:
        raise click.UsageError("--title names one source: give one PATH with it")
    report = ingest_files(ctx.obj, paths, title=title, kind=kind, progress=progress,
                          on_error=lambda message: click.echo(f"error: {message}", err=True))
    done = [o for o in report.outcomes if o.state != "error"]
    if report.sync is not None:
        if as_json:
            click.echo(json.dumps({"sources": [o.to_json() for o in done], "index": report.sync.to_json()},
                                  ensure_ascii=False, indent=2))
        else:
            for outcome in done:
                click.echo(outcome.message)
    if report.failures:
        sys.exit(2)


@click.group()
def sources() -> None:
    """List or remove the sources added with `qa ingest`."""


@sources.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the sources as JSON.")
@click.pass_context
def sources_list(ctx, as_json: bool) -> None:
    """The registered sources, with the chunks each has in the live index."""
    from ..indexing.library import listed_sources

    listed = listed_sources(ctx.obj)
    if as_json:
        click.echo(json.dumps([item.to_json() for item in listed], ensure_ascii=False, indent=2))
        return
    if not listed:
        click.echo("no sources added (qa ingest PATH adds one)")
        return
    for item in listed:
        r = item.record
        chunks = f"{item.chunk_count} chunks" if item.chunk_count is not None else "not in the index yet"
        langs = "+".join(r.languages) or "?"
        click.echo(f"{r.id}  {r.kind:<11} {r.format:<8} {langs:<5} {chunks:<14} {r.title}  ({r.file_name})")


@sources.command("remove")
@click.argument("source_id")
@click.pass_context
def sources_remove(ctx, source_id: str) -> None:
    """Remove a source and its chunks from the index (nothing else is re-embedded)."""
    from ..indexing.library import removal_message, remove_source

    click.echo(removal_message(*remove_source(ctx.obj, source_id, progress)))
