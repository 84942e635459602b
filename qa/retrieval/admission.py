"""How much encoder work one question may cause, whatever engine embeds it.

A question's embedding costs roughly in proportion to its tokens (and more past the model's window):
a 2 000-token question took ~3 s against ~30 ms for a normal one, and 30 of them at once held a normal
question for 76 s. Two bounds, both engine-independent:

- the text the encoder sees is cut to `QUERY_TOKEN_CAP` estimated tokens (the model's own 512-token
  window; engines that truncate exactly, or slide windows, then never see more than one window);
- questions estimated above `HEAVY_TOKENS` share one "heavy lane": one of them is encoded at a time,
  at most `HEAVY_WAITING` more wait, and the rest are refused at once with a clear error, so long
  questions queue behind each other instead of taking every core from normal ones.
"""

from __future__ import annotations

import contextlib
import re
import threading
from typing import Iterator

from ..errors import QAError

QUERY_TOKEN_CAP = 512  # multilingual-e5-small's window
HEAVY_TOKENS = 160  # the development set's longest question is 57 estimated tokens (121 characters)
HEAVY_WAITING = 8  # long questions allowed to wait for the heavy lane; more are refused

# An estimate of subword tokens: every run of up to 2 Latin or Cyrillic letters or digits, and every other
# visible character, counts as one. Real XLM-R pieces are longer for common words, so the estimate is
# high for ordinary text and near the truth for the character soup that makes expensive questions.
_PIECE = re.compile(r"[0-9A-Za-z\u00C0-\u024F\u0400-\u052F'’ʼ]{1,2}|\S")


class Busy(QAError):
    """Too many long questions at once: refused immediately instead of queued without bound."""


def estimate_tokens(text: str) -> int:
    return sum(1 for _ in _PIECE.finditer(text))


def cap_query(text: str, cap: int = QUERY_TOKEN_CAP) -> str:
    """The longest prefix of `text` whose estimated tokens fit in `cap` (the whole text when it fits)."""
    for count, match in enumerate(_PIECE.finditer(text), start=1):
        if count > cap:
            return text[: match.start()].rstrip()
    return text


class Admission:
    """The heavy lane: one long question encoded at a time, a bounded number waiting, the rest refused."""

    def __init__(self, heavy_tokens: int = HEAVY_TOKENS, heavy_waiting: int = HEAVY_WAITING) -> None:
        self.heavy_tokens = heavy_tokens
        self.heavy_waiting = heavy_waiting
        self._lane = threading.Lock()
        self._count_lock = threading.Lock()
        self._queued = 0  # heavy questions holding or waiting for the lane

    @contextlib.contextmanager
    def admit(self, text: str) -> Iterator[str]:
        """Yield the text the encoder may see; long questions first take the heavy lane."""
        capped = cap_query(text)
        if estimate_tokens(capped) <= self.heavy_tokens:
            yield capped
            return
        with self._count_lock:
            if self._queued > self.heavy_waiting:
                raise Busy("too many long questions are being answered right now; shorten the question "
                           "or try again in a moment")
            self._queued += 1
        try:
            with self._lane:
                yield capped
        finally:
            with self._count_lock:
                self._queued -= 1
