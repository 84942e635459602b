"""The one error a bad source file raises: the CLI and the chat show its message as one line and change nothing."""

from __future__ import annotations

from pathlib import Path

from ...errors import QAError


class IngestError(QAError, ValueError):
    """A source file that cannot be read (corrupted, encrypted, scanned, empty, too big, unknown format…),
    or a registry request that names no source. The message is one line naming the file and what to do."""


def fail(path: Path | str, problem: str, remedy: str) -> IngestError:
    """Build the error in the one shape every message has: `<file>: <problem>; <what to do>`."""
    name = Path(path).name if str(path) else "<no file>"
    return IngestError(f"{name}: {problem}; {remedy}")
