"""`qa quiz`: a quiz keyed to articles, validated against the text, in a format learning platforms import."""

from __future__ import annotations

from pathlib import Path

import click

from .terminal import progress


@click.command()
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
    from ..indexing.index import open_index
    from ..quizzes.builder import QuizBuilder, QuizRequest
    from ..quizzes.formats import export, exported_count
    from ..retrieval.filters import parse_articles, parse_chapters

    wanted = tuple(t.strip() for t in types.split(",") if t.strip())
    if fmt == "aiken":
        wanted = _aiken_types(wanted)
    request = QuizRequest(count=count, types=wanted, articles=parse_articles(articles),
                          chapters=parse_chapters(chapters), lang=lang, difficulty=difficulty, seed=seed)
    try:
        built = QuizBuilder(open_index(ctx.obj, progress)).build(request)
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
    from ..quizzes.formats import AIKEN_TYPES

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
