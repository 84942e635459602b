"""A question analysed once: language, words, references, concepts, instruments and what kind of value it
asks for, made into one frozen value at the start and handed to retrieval, the decision to decline and
the answer composer, so that no later stage re-tokenises or re-lemmatises it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from ..sources.language import detect_language
from ..sources.lexicon import (
    EN_STOP,
    en_stem,
    en_terms,
    glossary,
    tokens,
    uk_lemma,
    uk_query_terms,
    uk_synonyms,
    uk_terms,
)
from .concepts import ConceptMatch, concept_layer
from .definitions import asks_for_definition
from .instruments import Instrument, answered_by_mention, named_instruments
from .reference_router import (
    ActNames,
    Reference,
    find_references,
    follow_up_paragraph,
    without_act_names,
)
from .spelling import restore_spelling

# A question long enough to describe facts is read sentence by sentence: each sentence may call for
# another provision (the access, the damage, the evidence abroad).
SCENARIO_MIN_WORDS = 35
# A question that names an article and says little else ("What does Article 16 say about preservation?")
# is about that article: it is routed there. A longer one only mentions it (retrieval.REFERENCE_BOOST).
ABOUT_REFERENCE_WORDS = 4

_ASKS = (
    ("period", re.compile(r"скільки\s+(?:днів|місяців|років|часу)|як\s+довго|на\s+який\s+(?:строк|термін|період)|"
                          r"(?:строк|термін)\w*\s+(?:зберіг|дії|набрання)|how\s+long|how\s+many\s+(?:days|months|years)|"
                          r"what\s+(?:is\s+the\s+)?(?:period|time\s*limit|deadline|maximum|minimum)|"
                          r"for\s+what\s+period|within\s+what", re.IGNORECASE)),
    ("age", re.compile(r"(?:який|якого)\s+вік|до\s+якого\s+віку|скільки\s+років\s+(?:має|повинно)|"
                       r"what\s+age|how\s+old|age\s+(?:limit|threshold)|under\s+what\s+age", re.IGNORECASE)),
    ("number", re.compile(r"скільки\b|how\s+many|what\s+number|кількість", re.IGNORECASE)),
    ("date", re.compile(r"\bколи\b|якого\s+числа|яка\s+дата|\bwhen\b|what\s+date|on\s+what\s+day", re.IGNORECASE)),
    ("party", re.compile(r"\bхто\b|\bкого\b|\bкому\b|яка\s+сторона|який\s+орган|\bwho\b|\bwhom\b|which\s+(?:party|"
                         r"authority|state|body)", re.IGNORECASE)),
    ("condition", re.compile(r"за\s+яких\s+умов|за\s+якої\s+умови|у\s+яких\s+випадках|коли\s+можна|"
                             r"under\s+what\s+conditions?|on\s+what\s+(?:grounds|conditions?)|in\s+what\s+cases|"
                             r"what\s+conditions?", re.IGNORECASE)),
    ("yesno", re.compile(r"^\s*(?:чи\b|is\b|are\b|does\b|do\b|can\b|may\b|must\b|shall\b|should\b|could\b|has\b|have\b)",
                         re.IGNORECASE)),
)

_SENTENCES = re.compile(r"(?<=[.!?;])\s+")

# Parts that are not rules attract generic questions ("under the Budapest Convention…"); retrieval cites them
# only when the question asks for what they hold. Article 1's definitions likewise, for a definitional question.
PART_QUESTIONS = {
    "preamble": re.compile(r"преамбул|preamble|recital|мет[аиу]\s+конвенц|aims?\s+of\s+the\s+convention|purpose", re.IGNORECASE),
    "header": re.compile(r"ратифік|ratif|підписан|signed|signature|набра\w*\s+чинн|набу\w*\s+чинн|entry\s+into\s+force|"
                         r"enter\w*\s+into\s+force|україн|ukrain|закон\w*\s+(?:про|n|№)|протокол|protocol|дат[аиу]|"
                         r"date|коли|when|офіційн\w*\s+переклад|official\s+translation", re.IGNORECASE),
    "closing": re.compile(r"вчинено|done\s+at|мов(?:ами|ою|и)|languages?|authentic|автентичн|примірник|copy|copies|"
                          r"архів|archives|засвідчен|certified|на\s+посвідчення|in\s+witness|підписали", re.IGNORECASE),
}
# Which part of the Convention a question is about, from what it asks (not from the words for the act): whether
# something is a crime, what investigators may do, whose courts judge it, how States help each other.
SECTION_QUESTIONS = {
    "offences": re.compile(
        r"злочин|кримінальн\w*\s+відповідальн|покаранн|покара|санкці|склад\w*\s+(?:злочину|правопорушення)|"
        r"кваліфік|правопорушенн|підпада|притягн|засуд|незаконн|offen[cs]e|crime|criminal|liab|charge[sd]?\b|"
        r"prosecut|punish|sanction|illegal|unlawful|guilty|convict", re.IGNORECASE),
    "procedure": re.compile(
        r"поліці|слідч|правоохорон|прокурор|ордер|обшук|вилуч|зберегти|збереженн|розкрит|надати\s+дані|"
        r"в\s+реальному\s+часі|police|investigat|prosecutor|law\s+enforcement|warrant|search|seiz|preserv|"
        r"production\s+order|disclos|real[- ]time|hand\s+over", re.IGNORECASE),
    "jurisdiction": re.compile(
        r"юрисдикці|де\s+(?:його|її|їх)?\s*(?:судитим|суд)|суд\w*\s+якої\s+(?:країни|держави)|jurisdiction|"
        r"which\s+(?:country|state)(?:'s)?\s+courts?|where\s+(?:can|will|should|would)\s+\w+\s+be\s+(?:tried|prosecuted)",
        re.IGNORECASE),
    "cooperation": re.compile(
        r"екстрадиц|видач\w*\s+(?:особи|громадян|злочинц)|видати\s+(?:його|її|особу|громадян)|не\s+видал|"
        r"правов\w*\s+допомог|взаємн\w*\s+допомог|extradit|mutual\s+(?:legal\s+)?assistance|co-?operat",
        re.IGNORECASE),
}
# Another State acts, asks or holds the data: the question is about co-operation (counterparts.py).
_ACROSS_BORDER = re.compile(
    r"іноземн|закордонн|за\s*кордон|транскордонн|міжнародн|інш\w*\s+(?:держав|країн|сторон|юрисдикці)|"
    r"запитуван\w*\s+сторон|сторон\w*,?\s+що\s+(?:надсилає|отримує)\s+запит|"
    r"foreign|abroad|overseas|cross-border|another\s+(?:country|state|party|jurisdiction)|"
    r"other\s+(?:countries|states|parties)|(?:requesting|requested)\s+(?:party|state)|"
    r"\b(?:country|state|party)\s+[A-Z]\b", re.IGNORECASE)

# Latin transliteration of Ukrainian (the national standard, read backwards): digraphs first.
_TRANSLIT = (("shch", "щ"), ("zh", "ж"), ("kh", "х"), ("ts", "ц"), ("ch", "ч"), ("sh", "ш"), ("yu", "ю"),
             ("ya", "я"), ("ye", "є"), ("iu", "ю"), ("ia", "я"), ("ie", "є"), ("a", "а"), ("b", "б"), ("v", "в"),
             ("h", "г"), ("g", "ґ"), ("d", "д"), ("e", "е"), ("z", "з"), ("y", "и"), ("i", "і"), ("k", "к"),
             ("l", "л"), ("m", "м"), ("n", "н"), ("o", "о"), ("p", "п"), ("r", "р"), ("s", "с"), ("t", "т"),
             ("u", "у"), ("f", "ф"), ("j", "й"), ("c", "ц"), ("w", "в"), ("x", "кс"), ("q", "к"))
_TRANSLIT_MARKS = re.compile(r"shch|zh|kh|yi\b|iu|ia\b|ie|\bshcho\b|\bchy\b|\byak\b|\bza\b|\bpro\b", re.IGNORECASE)


@dataclass(frozen=True)
class Question:
    """Everything later stages need to know about a question, computed once."""

    text: str  # as asked (validated, whitespace folded)
    search_text: str  # what is matched: the text (its Ukrainian words' spelling restored), or its Cyrillic reading
    lang: str  # the language it is written in: drives matching, whatever the answer language
    answer_lang: str  # the language of the answer (the user's switch, else `lang`)
    uk_lemmas: tuple[str, ...]  # Ukrainian lemmas, stop words removed (Ukrainian questions)
    uk_search: tuple[str, ...]  # lemmas to search the Ukrainian text with (+ synonyms; English: glossary)
    via_synonym: tuple[str, ...]  # lemmas whose meaning came only through the synonym table
    en_stems: tuple[str, ...]  # English stems ("en:"-prefixed, as indexed)
    references: tuple[Reference, ...]
    about_references: bool  # the question is about the articles it names, not merely mentioning them
    follow_up: str | None  # "а пункт 3?": a paragraph of the article under discussion
    concepts: tuple[ConceptMatch, ...]
    instruments: tuple[Instrument, ...]
    asks: str | None  # period | age | number | date | party | condition | yesno | None
    clauses: tuple[str, ...]  # the sentences of a scenario (empty for a short question)
    clause_terms: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = ()  # each sentence's (uk_search, en_stems)
    # content words, each with the index terms that count it as known (retrieval's lexical coverage)
    coverage_units: tuple[tuple[str, tuple[str, ...]], ...] = ()
    acronyms: tuple[tuple[str, ...], ...] = ()  # "GDPR" → ("gdpr", its lemma): names the corpus may not know
    asks_definition: bool = False  # "What is traffic data?": led to the paragraph that defines the term
    parts_asked: tuple[str, ...] = ()  # preamble | header | closing: the non-rule parts it asks about
    crosses_border: bool = False  # another State acts, asks or holds the data
    sections_asked: tuple[str, ...] = ()  # offences | procedure | jurisdiction | cooperation
    # instruments whose mention in the corpus answers the question ("when was the Additional Protocol adopted?")
    answered_by_mention: tuple[str, ...] = ()
    vector: np.ndarray | None = field(default=None, compare=False, repr=False)
    clause_vectors: np.ndarray | None = field(default=None, compare=False, repr=False)

    @property
    def is_scenario(self) -> bool:
        return bool(self.clauses)

    def to_json(self) -> dict:
        return {
            "text": self.text, "search_text": self.search_text, "lang": self.lang, "answer_lang": self.answer_lang,
            "uk_lemmas": list(self.uk_lemmas), "en_stems": list(self.en_stems),
            "references": [r.key for r in self.references], "follow_up": self.follow_up,
            "concepts": [c.key for c in self.concepts], "instruments": [i.key for i in self.instruments],
            "asks": self.asks, "clauses": list(self.clauses),
        }


def looks_transliterated(text: str) -> bool:
    """Latin letters, almost no English function words, and the digraphs of Ukrainian transliteration."""
    words = tokens(text)
    if not words or detect_language(text) != "en":
        return False
    english = sum(1 for w in words if w in EN_STOP)
    return english / len(words) < 0.15 and len(_TRANSLIT_MARKS.findall(text)) >= 2


def transliterate(text: str) -> str:
    """Latin → Cyrillic, by the national standard read backwards (word-final -yi/-ii are -ий/-ій)."""
    out = []
    for word in re.split(r"(\W+)", text):
        if not word or not word.isalpha() or not word.isascii():
            out.append(word)
            continue
        lower = word.lower()
        lower = re.sub(r"yi$", "ий", lower)
        lower = re.sub(r"ii$", "ій", lower)
        lower = re.sub(r"^yi", "ї", lower)
        i, piece = 0, []
        while i < len(lower):
            for latin, cyr in _TRANSLIT:
                if lower.startswith(latin, i):
                    piece.append(cyr)
                    i += len(latin)
                    break
            else:
                piece.append(lower[i])
                i += 1
        out.append("".join(piece))
    return "".join(out)


def asks_for(text: str) -> str | None:
    for kind, pattern in _ASKS:
        if pattern.search(text):
            return kind
    return None


def scenario_clauses(text: str) -> tuple[str, ...]:
    """The sentences of a fact pattern (a question of SCENARIO_MIN_WORDS words or more), else ()."""
    if len(tokens(text)) < SCENARIO_MIN_WORDS:
        return ()
    parts = [p.strip() for p in _SENTENCES.split(text) if len(tokens(p)) >= 4]
    return tuple(parts) if len(parts) >= 2 else ()


_REFERENCE_WORDS = frozenset({"стаття", "пункт", "підпункт", "частина", "передбачати", "казати", "говорити", "сказати",
                              "зміст", "текст", "положення", "конвенція", "en:articl", "en:paragraph", "en:provid",
                              "en:stat", "en:convent", "en:text", "en:content", "en:cover", "en:regul", "en:mean"})


def _content_words(lang: str, uk_lemmas: list[str], stems: list[str]) -> int:
    words = uk_lemmas if lang == "uk" else stems
    return sum(1 for w in words if not w.replace("en:", "").isdigit() and w not in _REFERENCE_WORDS)


def search_terms(text: str, lang: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What a sentence is matched on lexically: Ukrainian lemmas (+ synonyms; for English, the glossary's
    Ukrainian lemmas) and English stems."""
    uk = uk_query_terms(text)[0] if lang == "uk" else glossary().translate(text)
    return tuple(uk), tuple(en_terms(text))


_ACRONYM = re.compile(r"\b[A-Z]{2,}[0-9]*\b")


def coverage_units(lang: str, uk_lemmas: list[str], via_synonym: list[str],
                   search_text: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each content word with the index terms that would count it as known: a Ukrainian lemma (and the
    synonyms it came through), or an English glossary segment's Ukrainian lemmas and its English stems."""
    if lang == "uk":
        synonyms = uk_synonyms()
        return tuple((t, (t, *(synonyms[t] if t in via_synonym else ()))) for t in dict.fromkeys(uk_lemmas))
    return tuple((" ".join(words), (*lemmas, *(f"en:{en_stem(w)}" for w in words)))
                 for words, lemmas in glossary().segments(search_text))


def sections_asked(text: str) -> tuple[str, ...]:
    """The parts of the Convention the question is about; crossing a border makes it about co-operation."""
    asked = [section for section, pattern in SECTION_QUESTIONS.items() if pattern.search(text)]
    if _ACROSS_BORDER.search(text) and "cooperation" not in asked:
        asked.append("cooperation")
    return tuple(asked)


def _concept_sequences(text: str) -> tuple[list[str], list[str]]:
    """Lemma and stem sequences the concept layer is matched on; hyphenated words ("DDoS-атака") also
    count as their parts."""
    words = tokens(text) + tokens(text.replace("-", " "))
    return [uk_lemma(t) for t in words], [en_stem(t) for t in words]


def _held_instruments(search_text: str, acts: tuple[ActNames, ...]) -> tuple[Instrument, ...]:
    """Instruments the question names, less those it names by an act the index holds in full (an ingested
    Additional Protocol is no longer outside the corpus)."""
    named = [a for a in acts if a.pattern.search(search_text)]
    return tuple(i for i in named_instruments(search_text)
                 if not any(i.pattern.search(f"{a.genitive} {a.english}") for a in named))


def analyse(text: str, answer_lang: str | None = None, embed=None, acts: tuple[ActNames, ...] = ()) -> Question:
    """The one analysis of a validated question; `embed(texts) -> vectors` adds its embedding(s); `acts`:
    the index's acts other than the Convention, which references may name."""
    search_text = transliterate(text) if looks_transliterated(text) else text
    lang = detect_language(search_text, default="uk")
    if lang == "uk":  # "данних про трафик" is matched as "даних про трафік"
        search_text = restore_spelling(search_text)
    if lang == "uk":
        uk_search, via_synonym = uk_query_terms(search_text)
        uk_lemmas = uk_terms(search_text)
    else:
        uk_lemmas, via_synonym = [], []
        uk_search = glossary().translate(search_text)
    stems = en_terms(search_text)
    concepts = concept_layer().match(*_concept_sequences(search_text))
    clauses = scenario_clauses(search_text)
    references = tuple(find_references(search_text, acts))
    instruments = _held_instruments(search_text, acts)
    if any(r.act for r in references):  # the act's own name is not what the question asks about
        bare = without_act_names(search_text, acts)
        uk_content, stems_content = (uk_terms(bare) if lang == "uk" else []), en_terms(bare)
    else:
        uk_content, stems_content = uk_lemmas, stems
    vector = clause_vectors = None
    if embed is not None:
        vectors = embed([search_text, *clauses])
        vector, clause_vectors = vectors[:1], (vectors[1:] if clauses else None)
    return Question(
        text=text, search_text=search_text, lang=lang,
        answer_lang=answer_lang if answer_lang in ("uk", "en") else lang,
        uk_lemmas=tuple(uk_lemmas), uk_search=tuple(uk_search), via_synonym=tuple(via_synonym),
        en_stems=tuple(stems), references=references,
        about_references=bool(references) and _content_words(lang, uk_content, stems_content) <= ABOUT_REFERENCE_WORDS,
        follow_up=follow_up_paragraph(search_text), concepts=concepts,
        instruments=instruments, asks=asks_for(search_text), clauses=clauses,
        clause_terms=tuple(search_terms(c, lang) for c in clauses), vector=vector, clause_vectors=clause_vectors,
        coverage_units=coverage_units(lang, uk_lemmas, via_synonym, search_text),
        acronyms=tuple((a.lower(), uk_lemma(a.lower())) for a in _ACRONYM.findall(search_text)),
        asks_definition=asks_for_definition(search_text, lang),
        parts_asked=tuple(part for part, pattern in PART_QUESTIONS.items() if pattern.search(search_text)),
        crosses_border=bool(_ACROSS_BORDER.search(search_text)),
        sections_asked=sections_asked(search_text),
        answered_by_mention=tuple(i.key for i in instruments if answered_by_mention(search_text, i)),
    )
