"""Ukrainian or English, by script: the corpus and the users write in those two only."""

from __future__ import annotations

import re

_CYRILLIC = re.compile(r"[А-Яа-яЁёІіЇїЄєҐґ]")
_LATIN = re.compile(r"[A-Za-z]")
# Lettered sub-paragraph markers ("a.", "ii.") are Latin inside Ukrainian text; they must not tip the vote.
_MARKERS = re.compile(r"\b(?:[a-z]|[ivx]+)\.(?=\s|$)|\b\d+\.[a-z](?:\.[ivx]+)?\b")


def detect_language(text: str, default: str = "uk") -> str:
    """'uk' when Cyrillic letters outnumber Latin ones, else 'en'; `default` for text with no letters."""
    cleaned = _MARKERS.sub(" ", text)
    cyr = len(_CYRILLIC.findall(cleaned))
    lat = len(_LATIN.findall(cleaned))
    if cyr == 0 and lat == 0:
        return default
    return "uk" if cyr >= lat else "en"
