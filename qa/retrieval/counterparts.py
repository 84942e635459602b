"""Domestic powers and their mutual-assistance counterparts (qa/data/counterparts.tsv).

The Convention gives each investigative power twice: a Party's own (Articles 16–21) and the same power used
at another Party's request (Articles 29–34), in nearly the same words. Which one a question needs is said
by who acts and where, not by the words for the power: "police want the provider to keep the logs" is
Article 16, "police want a provider abroad to keep the logs" is Article 29. The analysis tells whether a
question crosses a border (analysis.crosses_border); retrieval then moves weight to the counterpart.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

COUNTERPARTS_PATH = Path(__file__).resolve().parent.parent / "data" / "counterparts.tsv"


@lru_cache(maxsize=1)
def counterparts() -> dict[str, str]:
    """Domestic article → its mutual-assistance article."""
    table = {}
    for line in COUNTERPARTS_PATH.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            domestic, assisted = line.split("\t")
            table[domestic.strip()] = assisted.strip()
    return table
