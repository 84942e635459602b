"""Errors a user can cause; the CLI turns each into one clear line and a non-zero exit."""


class QAError(Exception):
    """Base class: anything the user can fix by changing input or configuration."""

    exit_code = 2


class InvalidQuestion(QAError):
    """The question is empty, too long, binary or otherwise not a question."""


class CorpusError(QAError):
    """A corpus file is missing, unreadable or not in a shape the parser understands."""


class IndexCorrupted(QAError):
    """The index on disk is corrupted or incompatible (it will be rebuilt when allowed)."""


class ConfigError(QAError):
    """A setting or backend name is invalid, or an optional dependency is missing."""


class IndexUnwritable(QAError):
    """The index folder cannot be written (read-only, wrong owner), so no build can be made there."""
