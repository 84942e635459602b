"""Words for lexical search: tokens, Ukrainian lemmas (pymorphy3), light English stems, and the
English→Ukrainian glossary that lets an English question match Ukrainian text lexically.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from pathlib import Path

from .language import detect_language

_WORD = re.compile(r"[A-Za-zА-Яа-яЁёІіЇїЄєҐґ’'ʼ]+(?:-[A-Za-zА-Яа-яІіЇїЄєҐґ’'ʼ]+)*|\d+(?:/\d+)?")
_APOSTROPHES = str.maketrans({"'": "’", "ʼ": "’", "`": "’"})
_DICTIONARY_APOSTROPHES = str.maketrans({"’": "'", "ʼ": "'", "`": "'"})  # pymorphy3's dictionary writes "'"
GLOSSARY_PATH = Path(__file__).resolve().parent.parent / "data" / "glossary_en_uk.tsv"
SYNONYMS_PATH = Path(__file__).resolve().parent.parent / "data" / "synonyms_uk.tsv"
_POSSESSIVE = re.compile(r"[’'`]s\b")

UK_STOP = frozenset(
    """і й та а але або чи що як які який яка яке якого якої яких якому яким якими це ця цей цієї цього цих цим
    цією ці у в на з із зі до від для за по про при під над між через без не ні так же же би б бути є був була
    було були буде будуть має мають може можуть його її їх їхній свій своїх своєї свого він вона воно вони ми ви
    ти я мене мені нас вам вас інший інша інші іншої іншого інших такий така таке такі такої такого таких також
    тільки лише ще вже де коли якщо тому яку чим щодо разі всі усі весь вся все будь-який будь-яка будь-яке
    будапештський будапешт
    то те той ту тих тим тією ст стаття статті пункт пункту п пп повинний мусити треба потрібно можна""".split()
)
EN_STOP = frozenset(
    """a an the of to in on for by with and or not is are be been being was were does do did what which who whom
    whose when where why how can could may might must shall should will would this that these those it its as at
    from into than then there their they them such any all each under about if so no yes i we you he she his her
    our your me my article art paragraph para say says said tell also other another same several over before
    after through without within between during only just very much many more most some own both either neither
    whether while because since until upon via per whose here now then again ever need needs needed happen
    happens happened get gets got make makes made use used using apply applies applied provision provisions
    budapest""".split()
)


def tokens(text: str) -> list[str]:
    return [m.group(0).lower().translate(_APOSTROPHES) for m in _WORD.finditer(text)]


_morph = None
_morph_lock = threading.Lock()


def _analyzer():
    global _morph
    with _morph_lock:
        if _morph is None:
            import pymorphy3

            _morph = pymorphy3.MorphAnalyzer(lang="uk")
        return _morph


@lru_cache(maxsize=200_000)
def uk_lemma(word: str) -> str:
    if not re.search(r"[а-яіїєґ]", word):
        return word
    return _analyzer().parse(word)[0].normal_form.translate(_APOSTROPHES)


_english = None
_english_lock = threading.Lock()


@lru_cache(maxsize=100_000)
def en_stem(word: str) -> str:
    """Snowball (Porter 2) English stem: 'interceptions'/'intercepted'/'intercept' → 'intercept'.

    A snowballstemmer object keeps the word it is working on in itself, so two threads stemming at once
    corrupt each other (an IndexError deep in the stemmer, seen under 16 concurrent questions): one stemmer,
    one word at a time; a stem takes microseconds and each word is stemmed once (the cache)."""
    global _english
    with _english_lock:
        if _english is None:
            import snowballstemmer

            _english = snowballstemmer.stemmer("english")
        return _english.stemWord(word.lower())


def uk_terms(text: str) -> list[str]:
    """Lemmas of the Ukrainian (and any Latin) words in `text`, stop words removed."""
    out = []
    for tok in tokens(text):
        if tok.isdigit():
            out.append(tok)
            continue
        lemma = uk_lemma(tok)
        if lemma not in UK_STOP and len(lemma) > 1:
            out.append(lemma)
    return out


def en_terms(text: str) -> list[str]:
    return ["en:" + en_stem(t) for t in tokens(text) if t not in EN_STOP and (len(t) > 1 or t.isdigit())]


class Glossary:
    """English legal terms (single words and phrases, stemmed) → Ukrainian lemmas of the convention's wording."""

    def __init__(self, entries: list[tuple[str, str]]):
        self._phrases: dict[tuple[str, ...], list[str]] = {}
        for english, ukrainian in entries:
            key = tuple(en_stem(t) for t in tokens(english))
            if key:
                merged = self._phrases.get(key, []) + uk_terms(ukrainian)
                self._phrases[key] = list(dict.fromkeys(merged))
        self._longest = max((len(k) for k in self._phrases), default=1)

    @classmethod
    def load(cls, path: Path = GLOSSARY_PATH) -> "Glossary":
        return cls(read_pairs(path))

    def _words(self, text: str) -> list[str]:
        """English tokens: possessives dropped, hyphenated words split unless the glossary knows them whole."""
        out = []
        for word in tokens(_POSSESSIVE.sub("", text)):
            if "-" in word and (en_stem(word),) not in self._phrases:
                out.extend(part for part in word.split("-") if part)
            else:
                out.append(word)
        return out

    def translate(self, text: str) -> list[str]:
        """Ukrainian lemmas for the glossary phrases found in `text`, longest match first."""
        return [lemma for _, lemmas in self.segments(text) for lemma in lemmas]

    def match(self, text: str) -> tuple[list[str], list[str]]:
        """(Ukrainian lemmas, English content words the glossary did not understand)."""
        segments = self.segments(text)
        return ([lemma for _, lemmas in segments for lemma in lemmas],
                [words[0] for words, lemmas in segments if not lemmas and not words[0].isdigit()])

    def segments(self, text: str) -> list[tuple[list[str], list[str]]]:
        """The question cut into glossary phrases and leftover content words: (English words, Ukrainian lemmas)."""
        words = self._words(text)
        stems = [en_stem(t) for t in words]
        out: list[tuple[list[str], list[str]]] = []
        i = 0
        while i < len(stems):
            for size in range(min(self._longest, len(stems) - i), 0, -1):
                hit = self._phrases.get(tuple(stems[i : i + size]))
                if hit:
                    out.append((words[i : i + size], hit))
                    i += size
                    break
            else:
                if stems[i].isdigit():
                    out.append(([words[i]], [stems[i]]))
                elif words[i] not in EN_STOP and len(words[i]) > 1:
                    out.append(([words[i]], []))
                i += 1
        return out


def read_pairs(path: Path) -> list[tuple[str, str]]:
    """Tab-separated (term, expansion) lines; '#' starts a comment line."""
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            term, _, expansion = line.partition("\t")
            entries.append((term.strip(), expansion.strip()))
    return entries


@lru_cache(maxsize=1)
def glossary() -> Glossary:
    return Glossary.load()


@lru_cache(maxsize=1)
def uk_synonyms() -> dict[str, list[str]]:
    """Lemma of an everyday word → lemmas of the convention's wording for it."""
    table: dict[str, list[str]] = {}
    for word, expansion in read_pairs(SYNONYMS_PATH):
        for lemma in {uk_lemma(t) for t in tokens(word)}:
            table[lemma] = list(dict.fromkeys(table.get(lemma, []) + uk_terms(expansion)))
    return table


def uk_query_terms(text: str) -> tuple[list[str], list[str]]:
    """(lemmas to search with, lemmas whose meaning came only through a synonym)."""
    terms: list[str] = []
    via_synonym: list[str] = []
    synonyms = uk_synonyms()
    for lemma in uk_terms(text):
        terms.append(lemma)
        if lemma in synonyms:
            terms.extend(synonyms[lemma])
            via_synonym.append(lemma)
    return terms, via_synonym


def document_terms(text: str, title_en: str = "") -> list[str]:
    """What a chunk is indexed on: its Ukrainian lemmas, plus its English title as English stems."""
    return uk_terms(text) + (en_terms(title_en) if title_en else []) + en_terms_if_english(text)


def en_terms_if_english(text: str) -> list[str]:
    return en_terms(text) if detect_language(text) == "en" else []


@lru_cache(maxsize=100_000)
def uk_known(word: str) -> bool:
    """Whether the Ukrainian dictionary knows this word form (apostrophes as the dictionary writes them)."""
    return _analyzer().word_is_known(word.lower().translate(_DICTIONARY_APOSTROPHES))
