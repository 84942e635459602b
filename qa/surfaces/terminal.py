"""How the CLI talks to a terminal: progress lines and the package's warnings, both on stderr."""

from __future__ import annotations

import logging
import sys

import click


def progress(message: str, fraction: float) -> None:
    click.echo(f"[{fraction:4.0%}] {message}", err=True)



def warnings_to_stderr() -> None:
    """The package's warnings (a skipped corpus file, a long build ahead) as `warning: …` lines."""
    class Line(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            return f"{record.levelname.lower()}: {super().format(record)}"

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(Line("%(message)s"))
    logger = logging.getLogger("qa")
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    logger.propagate = False
