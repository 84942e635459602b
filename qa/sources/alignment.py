"""Pairs each Ukrainian provision with the same provision of the authentic English text.

Both parsers key provisions the same way (`convention:art16:2`, `convention:preamble:3`,
`convention:closing`), so pairing is by id; what this module adds is the evidence that the pairing
is right: the same sub-paragraph labels on both sides, and for the preamble (whose English is one
paragraph split at `;`) recitals whose opening words correspond. Anything that does not pair is
listed in the report; `check` decides what is fatal (a provision on one side only) and what is a
warning (sub-paragraph labels that differ, a recital whose opening words do not correspond).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace

from ..errors import CorpusError
from .chunks import CONVENTION, HEADER, PREAMBLE, Chunk
from .english_parser import EnglishConvention, EnglishProvision

# Provisions the Ukrainian publication has and the treaty itself does not: the database's header
# (amendments note, ratification law, dates). Reported, never an error.
UKRAINIAN_ONLY_EXPECTED = (f"{CONVENTION}:{HEADER}",)

# The English recital's opening words and the Ukrainian openings that translate them. The translation
# is not word-for-word ("Considering the 1989 … Convention" is "Посилаючись на Конвенцію ООН …"), so a
# verb may have several Ukrainian renderings; longer English openings are tried first.
RECITAL_OPENINGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("The member States", ("Держави-члени",)),
    ("Considering", ("Вважаючи", "Посилаючись")),
    ("Recognising", ("Визнаючи",)),
    ("Convinced", ("Впевнені",)),
    ("Conscious", ("Усвідомлюючи",)),
    ("Concerned", ("Стурбовані",)),
    ("Believing", ("Вважаючи",)),
    ("Mindful also", ("Також пам'ятаючи",)),
    ("Mindful", ("Пам'ятаючи",)),
    ("Taking into account", ("Беручи до уваги",)),
    ("Welcoming", ("Вітаючи",)),
    ("Recalling", ("Посилаючись",)),
    ("Having also regard", ("Також посилаючись",)),
    ("Having regard", ("Посилаючись",)),
    ("Have agreed", ("Домовились",)),
)


class AlignmentWarning(UserWarning):
    """Ukrainian and English provisions pair, but something inside them does not (shown, not fatal)."""


@dataclass(frozen=True)
class Unpaired:
    chunk_id: str
    side: str  # "uk" (no English counterpart) or "en" (no Ukrainian counterpart)
    where: str  # "file:line" in the English file: the provision, or where it was expected

    def to_json(self) -> dict:
        return {"chunk_id": self.chunk_id, "side": self.side, "where": self.where}


@dataclass(frozen=True)
class LabelMismatch:
    chunk_id: str
    uk: tuple[str, ...]
    en: tuple[str, ...]
    where: str

    def to_json(self) -> dict:
        return {"chunk_id": self.chunk_id, "uk": list(self.uk), "en": list(self.en), "where": self.where}


@dataclass(frozen=True)
class RecitalMismatch:
    chunk_id: str
    uk_opening: str
    en_opening: str
    where: str

    def to_json(self) -> dict:
        return {"chunk_id": self.chunk_id, "uk_opening": self.uk_opening, "en_opening": self.en_opening,
                "where": self.where}


@dataclass(frozen=True)
class AlignmentReport:
    english_file: str
    paired: int
    ukrainian_only: tuple[Unpaired, ...] = ()
    english_only: tuple[Unpaired, ...] = ()
    label_mismatches: tuple[LabelMismatch, ...] = ()
    recital_mismatches: tuple[RecitalMismatch, ...] = ()

    @property
    def structural(self) -> tuple[Unpaired, ...]:
        """Provisions on one side only, apart from the expected Ukrainian-only header."""
        unexpected = tuple(u for u in self.ukrainian_only if u.chunk_id not in UKRAINIAN_ONLY_EXPECTED)
        return unexpected + self.english_only

    @property
    def warnings(self) -> tuple[str, ...]:
        out = [f"{m.where}: {m.chunk_id}: sub-paragraphs differ (Ukrainian {list(m.uk)}, English {list(m.en)})"
               for m in self.label_mismatches]
        out += [f"{m.where}: {m.chunk_id}: recital opens with {m.en_opening!r} in English but "
                f"{m.uk_opening!r} in Ukrainian" for m in self.recital_mismatches]
        return tuple(out)

    def is_clean(self) -> bool:
        return not self.structural and not self.label_mismatches and not self.recital_mismatches

    def to_json(self) -> dict:
        return {
            "english_file": self.english_file,
            "paired": self.paired,
            "ukrainian_only": [u.to_json() for u in self.ukrainian_only],
            "english_only": [u.to_json() for u in self.english_only],
            "label_mismatches": [m.to_json() for m in self.label_mismatches],
            "recital_mismatches": [m.to_json() for m in self.recital_mismatches],
        }


def _fold_apostrophes(text: str) -> str:
    return text.replace("’", "'").replace("ʼ", "'").casefold()


def _recital_mismatch(chunk: Chunk, provision: EnglishProvision, where: str) -> RecitalMismatch | None:
    for en_opening, uk_openings in RECITAL_OPENINGS:
        if provision.text.startswith(en_opening):
            uk = _fold_apostrophes(chunk.text)
            if any(uk.startswith(_fold_apostrophes(o)) for o in uk_openings):
                return None
            return RecitalMismatch(chunk.chunk_id, " ".join(chunk.text.split()[:2]), en_opening, where)
    return RecitalMismatch(chunk.chunk_id, " ".join(chunk.text.split()[:2]),
                           " ".join(provision.text.split()[:2]), where)


def align(chunks: list[Chunk], english: EnglishConvention) -> tuple[list[Chunk], AlignmentReport]:
    """Give every convention chunk its English text, sub-paragraph offsets, official title and headings.

    Commentary chunks pass through unchanged. Chunks keep their order and ids; nothing is dropped.
    """
    by_id = english.by_id()
    used: set[str] = set()
    out: list[Chunk] = []
    ukrainian_only: list[Unpaired] = []
    labels: list[LabelMismatch] = []
    recitals: list[RecitalMismatch] = []
    previous_line = 1  # a provision missing from the English text was expected after the last one paired
    for chunk in chunks:
        if chunk.source != CONVENTION:
            out.append(chunk)
            continue
        provision = by_id.get(chunk.chunk_id)
        if provision is None:
            where = f"{english.filename}:{previous_line}"
            ukrainian_only.append(Unpaired(chunk.chunk_id, "uk", where))
            out.append(chunk)
            continue
        used.add(chunk.chunk_id)
        previous_line = provision.line
        where = f"{english.filename}:{provision.line}"
        uk_labels = tuple(s.label for s in chunk.spans)
        en_labels = tuple(s.label for s in provision.spans)
        if uk_labels != en_labels:
            labels.append(LabelMismatch(chunk.chunk_id, uk_labels, en_labels, where))
        if chunk.kind == PREAMBLE and (mismatch := _recital_mismatch(chunk, provision, where)):
            recitals.append(mismatch)
        title_en = provision.title if chunk.kind == "article" and provision.title else chunk.title_en
        out.append(replace(chunk, text_en=provision.text, spans_en=provision.spans, path_en=provision.path,
                           title_en=title_en))
    english_only = tuple(Unpaired(p.chunk_id, "en", f"{english.filename}:{p.line}")
                         for p in english.provisions if p.chunk_id not in used)
    report = AlignmentReport(english.filename, len(used), tuple(ukrainian_only), english_only,
                             tuple(labels), tuple(recitals))
    return out, report


def check(report: AlignmentReport) -> None:
    """A provision on one side only is a CorpusError (the texts are not the same treaty, or a parse went
    wrong); differing sub-paragraphs or recital openings are AlignmentWarnings."""
    if report.structural:
        first = report.structural[0]
        side = "no English counterpart" if first.side == "uk" else "no Ukrainian counterpart"
        more = f" (and {len(report.structural) - 1} more)" if len(report.structural) > 1 else ""
        raise CorpusError(f"{first.where}: {first.chunk_id} has {side}{more}")
    for message in report.warnings:
        warnings.warn(message, AlignmentWarning, stacklevel=2)
