"""What counts as a question: checked before any work, so bad input gets one clear message."""

from __future__ import annotations

import re
import unicodedata

from ..errors import InvalidQuestion

_LETTER_OR_DIGIT = re.compile(r"[^\W_]", re.UNICODE)
_SURROGATE = re.compile("[\ud800-\udfff]")


def validate_question(raw: object, max_chars: int) -> str:
    """The cleaned question text, or InvalidQuestion saying what is wrong with it."""
    if not isinstance(raw, str):
        raise InvalidQuestion("the question must be text")
    if len(raw) > 4 * max_chars:  # refused before any per-character work (a 1 MB question cost ~0.1 s of CPU)
        raise InvalidQuestion(f"the question is {len(raw)} characters long; the limit is {max_chars}")
    if _SURROGATE.search(raw):
        # a lone surrogate: what Python makes of bytes that are not UTF-8 (argv, a mis-decoded request)
        raise InvalidQuestion("the question is not valid Unicode text (undecodable bytes); send plain UTF-8 text")
    if "\x00" in raw or "\ufffd" in raw:
        raise InvalidQuestion("the question contains binary data; send plain UTF-8 text")
    controls = [ch for ch in raw if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t"]
    if controls:
        raise InvalidQuestion(f"the question contains {len(controls)} control character(s); send plain text")
    text = " ".join(raw.split())
    if not text:
        raise InvalidQuestion("the question is empty")
    if len(text) > max_chars:
        raise InvalidQuestion(f"the question is {len(text)} characters long; the limit is {max_chars}")
    if not _LETTER_OR_DIGIT.search(text):
        raise InvalidQuestion("the question has no words in it")
    return text


PREVIEW_CHARS = 200


def preview(raw: object, limit: int = PREVIEW_CHARS) -> str | None:
    """What an error may echo of a rejected question: at most `limit` characters, always encodable.

    Echoing a whole rejected 1 MB question made every error as large as the attack (and kept it in the
    server's history); undecodable bytes would break the JSON the error travels in."""
    if not isinstance(raw, str):
        return None
    cut = _SURROGATE.sub("\ufffd", raw[:limit])
    return cut + "…" if len(raw) > limit else cut
