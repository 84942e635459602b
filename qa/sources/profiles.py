"""Article profiles: the project's own annotation describing, per provision, the situations and requests it
covers in the words people use (`qa/data/profiles.tsv`).

A client says "my ex put a program on my laptop that records what I type"; the Convention says "interception
... of non-public transmissions of computer data". The concept layer links single words; a profile is a whole
description, embedded like a passage, so a question phrased in any words finds the provision whose
descriptions it resembles. Profiles were written from the Convention's text by a writer who saw no
evaluation question; they are used for retrieval only, never quoted or cited.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..errors import CorpusError

LANGS = ("uk", "en")
_TARGET = re.compile(r"^(?:preamble|header|\d{1,3}(?:\.\d{1,2})?)$")


@dataclass(frozen=True)
class Profile:
    """One description of what a provision covers: the article (or "preamble", "header"), optionally its
    paragraph."""

    article: str
    paragraph: str | None
    lang: str
    text: str

    def to_json(self) -> dict:
        return {"article": self.article, "paragraph": self.paragraph, "lang": self.lang, "text": self.text}

    @classmethod
    def from_json(cls, data: dict) -> "Profile":
        return cls(str(data["article"]), data.get("paragraph"), str(data["lang"]), str(data["text"]))


def parse_profiles(raw: str, origin: str = "profiles") -> tuple[Profile, ...]:
    """Rows `ARTICLE<TAB>LANG<TAB>TEXT` ("16", "18.3", "preamble" or "header"); `#` starts a comment line."""
    rows = []
    for number, line in enumerate(raw.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 3 or not _TARGET.match(fields[0].strip()) or fields[1].strip() not in LANGS \
                or not fields[2].strip():
            raise CorpusError(f"{origin}:{number}: expected ARTICLE<TAB>uk|en<TAB>description")
        target, lang, text = (f.strip() for f in fields)
        article, _, paragraph = target.partition(".")
        rows.append(Profile(article, paragraph or None, lang, text))
    return tuple(rows)


def load_profiles(path: Path) -> tuple[Profile, ...]:
    """The annotation's rows in file order (which is the order of the vectors embedded from them); a
    missing or unreadable file is a CorpusError, as a bad corpus file is."""
    return _parsed(path, profiles_hash(path))


@lru_cache(maxsize=4)
def _parsed(path: Path, digest: str) -> tuple[Profile, ...]:
    """Keyed by the content's digest too, so an edited file is read again."""
    return parse_profiles(path.read_text(encoding="utf-8"), path.name)


def profiles_hash(path: Path) -> str:
    """What an index build records, so that an edited annotation makes the index stale."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise CorpusError(f"article profiles {path}: {exc.strerror or exc}") from exc
