"""Hybrid retrieval: explicit references first, then dense (FAISS) and lexical (BM25) scores fused, with the
concept layer and, for fact patterns, each sentence of the scenario searched on its own.

Fusion is a weighted sum of normalised scores rather than plain reciprocal-rank fusion: the lexical side
is only as informative as the part of the question the lexicon understood.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from ..config import Settings
from ..indexing.index import Index
from ..sources.chunks import CONVENTION, Chunk
from .admission import Admission, cap_query
from .analysis import PART_QUESTIONS, Question, analyse
from .concepts import ConceptMatch
from .counterparts import counterparts
from .definitions import defining_rows, find_definitions
from .filters import Filters
from .profile_match import ArticleProfiles
from .reference_router import ActNames, Reference

MODES = ("hybrid", "dense", "bm25")
PREAMBLE_PENALTY = 0.5
DEFINITIONS_PENALTY = 0.2  # Article 1 is the vocabulary of every story, the answer only to a definitional question
SECTION_BOOST = 0.1  # the part of the Convention the question asks about (analysis.sections_asked)
PHRASE_WORD_BONUS = 0.5  # a concept named by several words counts for more, per extra word
COUNTERPART_SHARE = 0.5  # a question across a border: the counterpart gains this share of its power's score
DEFINITION_BOOST = 0.3
CONCEPT_BOOST = 0.25  # an annotated word points at the provisions that cover it
EVERYDAY_BOOST = 0.5  # … more so when the text itself never uses that word
CONCEPT_SHARING = 0.5  # exponent: a question naming n concepts boosts each by 1/n**CONCEPT_SHARING
CONCEPT_DECAY = 0.6  # later targets of one concept get less
SCENARIO_CLAUSE_WEIGHT = 0.5  # a fact pattern: the best-matching sentence counts as much as the whole
MENTION_BOOST = 1.0
REFERENCE_BOOST = 0.35
OWN_LANGUAGE_WEIGHT = 0.6  # a provision's dense score: its version in the question's language, then the other
GLOSSARY_WEIGHT = 0.5  # English questions: glossary lemmas on the Ukrainian text, beside BM25 on the English
DENSE_CANDIDATES = 256
LEXICAL_FLOOR = {"en": 0.35, "uk": 0.7}  # the lexical weight's share left at zero lexical coverage
PROFILE_WEIGHT = 0.5  # the article whose profiles (sources.profiles) the question resembles most gains up to this …
PROFILE_FLOOR = 0.2  # … of which this share always, the rest as the question's words leave the text's vocabulary
CLASSIFIER_WEIGHT = 1.0  # × the probability that the question is about the article (indexing.profile_classifier)


@dataclass(frozen=True)
class Hit:
    row: int
    chunk: Chunk
    score: float
    dense: float
    lexical: float
    routed: bool = False


@dataclass
class Retrieval:
    query: Question
    references: list[Reference]
    missing_references: list[Reference]
    hits: list[Hit]
    lexical_coverage: float  # share of the question's content terms the corpus knows
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def question(self) -> str:
        return self.query.text

    @property
    def lang(self) -> str:
        """The answer's language (the question's own language drove the matching)."""
        return self.query.answer_lang


class HybridRetriever:
    def __init__(self, index: Index, settings: Settings, mode: str = "hybrid", use_router: bool = True,
                 use_concepts: bool = True, english: bool = True, use_glossary: bool = True,
                 use_profiles: bool = True):
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        self.index, self.settings, self.mode, self.use_router = index, settings, mode, use_router
        self.use_concepts = use_concepts and mode == "hybrid"
        self.english = english and any(c.text_en for c in index.chunks)  # baseline: the Ukrainian text only
        self.use_glossary = use_glossary
        self.admission = Admission()  # bounds the encoder work one question can cause
        self._part_rows = {kind: np.array([i for i, c in enumerate(index.chunks) if c.source == CONVENTION
                                           and c.kind == kind], dtype=np.int64) for kind in PART_QUESTIONS}
        self._section_rows = {section: np.array([i for i, c in enumerate(index.chunks) if section_of(c) == section],
                                                dtype=np.int64) for section in SECTIONS}
        self._article_rows: dict[str, np.ndarray] = {}
        for i, c in enumerate(index.chunks):
            if c.source == CONVENTION and c.article:
                self._article_rows.setdefault(c.article, []).append(i)
        self._article_rows = {a: np.array(r, dtype=np.int64) for a, r in self._article_rows.items()}
        profiled = {**self._article_rows, **{part: self._part_rows[part] for part in ("preamble", "header")}}
        self._profiles = ArticleProfiles.of(index, profiled) if mode == "hybrid" and use_profiles else None
        self.acts = acts_in(index.chunks)

    @cached_property
    def definitions(self) -> list:
        """The terms the text defines, found when a question first asks for a definition."""
        return find_definitions(self.index.chunks) if self.mode == "hybrid" else []

    @property
    def wants_vectors(self) -> bool:
        return self.mode in ("hybrid", "dense")

    def analyse(self, text: str, answer_lang: str | None = None) -> Question:
        """The question analysed once, with its embedding when this retriever searches densely. A long
        question does this work inside the admission's heavy lane, and the encoder sees at most its window."""
        with self.admission.admit(text):
            embed = self._embed if self.wants_vectors else None
            return analyse(text, answer_lang, embed, self.acts)

    def _embed(self, texts: list[str]) -> np.ndarray:
        return self.index.embedder.embed_queries([cap_query(t) for t in texts])

    def retrieve(
        self,
        question: Question | str,
        lang: str | None = None,
        k: int = 10,
        filters: Filters = Filters(),
        references: list[Reference] | None = None,
    ) -> Retrieval:
        started = time.perf_counter()
        q = question if isinstance(question, Question) else self.analyse(question, lang)
        refs = references if references is not None else (list(q.references) if self.use_router else [])
        hard = [r for r in refs if r.paragraph is not None or q.about_references]
        routed_groups, missing = self._route(hard)
        fused, dense, lexical, coverage = self._score_question(q)
        for ref in refs:
            if ref not in hard:
                self._boost_reference(ref, fused)
        allowed = np.array([filters.allows(c) for c in self.index.chunks]) if not filters.empty else None
        if allowed is not None:
            fused = np.where(allowed, fused, -np.inf)
        hits = self._routed_hits(routed_groups, fused, dense, lexical)
        taken = {h.row for h in hits}
        limit = max(k, len(hits))  # every routed chunk is kept, however many the question names
        for row in np.argsort(-fused, kind="stable"):
            if len(hits) >= limit:
                break
            if row in taken or not np.isfinite(fused[row]):
                continue
            hits.append(Hit(int(row), self.index.chunks[row], float(fused[row]), float(dense[row]), float(lexical[row])))
        elapsed = (time.perf_counter() - started) * 1000
        return Retrieval(q, refs, missing, hits, coverage, {"retrieve": round(elapsed, 2)})

    def _score_question(self, q: Question) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
        """Fused score of every chunk (with boosts and penalties), its dense and lexical parts, and coverage."""
        dense = self._dense(q.vector, q.lang)
        lexical = self._lexical(q.uk_search, q.en_stems, q.lang)
        coverage = lexical_coverage(q, self.index) if self.mode == "hybrid" else 0.0
        fused = self._fuse(dense, lexical, q.lang, coverage)
        if q.is_scenario and self.mode == "hybrid" and q.clause_vectors is not None:
            fused = (1 - SCENARIO_CLAUSE_WEIGHT) * fused + SCENARIO_CLAUSE_WEIGHT * self._best_clause(q)
        if self._profiles is not None and q.vector is not None and not q.parts_asked:
            # in the text's own words a question needs no paraphrase; in everyday words it needs it most;
            # one that names the part it asks about ("the preamble", "who signed") has said where to look
            weight = PROFILE_WEIGHT * (PROFILE_FLOOR + (1 - PROFILE_FLOOR) * (1 - coverage))
            self._profiles.boost(q.vector, fused, weight, q.clause_vectors if q.is_scenario else None)
            self._profiles.classify(q.vector, fused, CLASSIFIER_WEIGHT)
        if self.mode == "hybrid":
            if q.asks_definition:  # only then are the defined terms looked up (lazily, once)
                fused[defining_rows(q, self.definitions)] += DEFINITION_BOOST
            if self.use_concepts:
                self._boost_concepts(q, fused)
            for instrument in q.instruments:  # "when was the Additional Protocol adopted?": the mention answers
                if instrument.key in q.answered_by_mention:
                    fused[[r for r, c in enumerate(self.index.chunks) if c.part == instrument.pointer]] += MENTION_BOOST
        for kind in PART_QUESTIONS:
            if kind not in q.parts_asked:
                fused[self._part_rows[kind]] -= PREAMBLE_PENALTY
        if self.mode == "hybrid":
            if not q.asks_definition and "1" in self._article_rows:
                fused[self._article_rows["1"]] -= DEFINITIONS_PENALTY
            if q.crosses_border:
                self._to_counterparts(fused)
            for section in q.sections_asked:
                fused[self._section_rows[section]] += SECTION_BOOST / len(q.sections_asked) ** 0.5
        return fused, dense, lexical, coverage

    def _to_counterparts(self, fused: np.ndarray) -> None:
        """Another State's help is asked: each mutual-assistance article gains a share of the best score of
        the domestic power it mirrors (counterparts.py), so "a provider abroad should keep the logs" finds
        Article 29 where the words alone find Article 16."""
        gains: dict[str, float] = {}
        for domestic, assisted in counterparts().items():
            rows = self._article_rows.get(domestic)
            if rows is not None and assisted in self._article_rows:
                gains[assisted] = max(gains.get(assisted, 0.0), float(np.max(fused[rows])))
        for assisted, best in gains.items():
            fused[self._article_rows[assisted]] += COUNTERPART_SHARE * max(best, 0.0)

    def _best_clause(self, q: Question) -> np.ndarray:
        """Per chunk, the best fused score any one sentence of the scenario gives it."""
        best = np.full(len(self.index.chunks), -np.inf, dtype=np.float32)
        for (uk_search, en_stems), vector in zip(q.clause_terms, q.clause_vectors):
            lexical = self._lexical(uk_search, en_stems, q.lang)
            best = np.maximum(best, self._fuse(self._dense(vector[None, :], q.lang), lexical, q.lang, 1.0))
        return best

    def everyday(self, match: ConceptMatch) -> bool:
        """Named in words the text itself does not use ("DDoS", "фішинг"): then the annotation is the only
        lexical link to the provision and counts for more than a concept named in the Convention's words."""
        if match.lang == "uk":
            return not all(self.index.bm25.known(t) for t in match.phrase)
        return not all(self.index.bm25_en.known(f"en:{t}") for t in match.phrase)

    def _boost_concepts(self, q: Question, fused: np.ndarray) -> None:
        """Each concept named boosts the provisions it covers; a phrase of several words ("продавати паролі")
        says more than one word ("хакер"), which often names an actor rather than the act. (Scaling down the
        concepts outside the part of the Convention the question asks about was measured and lost fact
        patterns: their concepts are the facts.)"""
        share = 1.0 / max(len(q.concepts), 1) ** CONCEPT_SHARING  # many concepts: each says less
        for concept in q.concepts:
            weight = (EVERYDAY_BOOST if self.everyday(concept) else CONCEPT_BOOST) * share
            weight *= 1 + PHRASE_WORD_BONUS * (len(concept.phrase) - 1)
            for rank, target in enumerate(concept.targets):
                rows = self._article_rows.get(target.article)
                if rows is None:
                    continue
                boost = weight * CONCEPT_DECAY ** rank
                if target.paragraph:
                    exact = [r for r in rows if self.index.chunks[r].paragraph == target.paragraph]
                    fused[exact] += boost / 2
                fused[rows] += boost

    def _boost_reference(self, ref: Reference, fused: np.ndarray) -> None:
        """An article named in passing ("a reservation to the measures of Article 20") is evidence, not the
        answer: it and the provisions that refer to it ("статті 20" in Article 14(3)) count for more."""
        source = ref.act or CONVENTION
        rows = (self.index.by_article(ref.article, ref.act) or None) if ref.act else self._article_rows.get(ref.article)
        if rows is None:
            return
        fused[rows] += REFERENCE_BOOST
        citing = [r for r, c in enumerate(self.index.chunks)  # cross-references resolve within their own act
                  if c.article != ref.article and any(x.split(".")[0] == ref.article for x in c.refs)
                  and (c.source == source or not (ref.act or c.act_uk))]
        fused[citing] += REFERENCE_BOOST / 2

    def _route(self, refs: list[Reference]) -> tuple[list[list[int]], list[Reference]]:
        """Rows each reference names (an article alone names all its paragraphs), and the references
        that name nothing in the corpus."""
        groups: list[list[int]] = []
        missing: list[Reference] = []
        for ref in refs:
            rows = self.index.by_article(ref.article, ref.act or CONVENTION)
            if ref.paragraph is not None:
                rows = [r for r in rows if self.index.chunks[r].paragraph == ref.paragraph]
            if rows:
                groups.append(rows)
            else:
                missing.append(ref)
        return groups, missing

    def _routed_hits(self, groups: list[list[int]], fused, dense, lexical) -> list[Hit]:
        """Routed chunks lead in the order the question names them; within a named article, its
        paragraphs are ordered by how well they match the question."""
        ordered: list[int] = []
        for rows in groups:
            ranked = sorted(rows, key=lambda r: -float(np.nan_to_num(fused[r], neginf=-9)))
            ordered.extend(r for r in ranked if r not in ordered)
        return [
            Hit(r, self.index.chunks[r], 1.0 + float(np.nan_to_num(fused[r], neginf=0)), float(dense[r]),
                float(lexical[r]), routed=True)
            for r in ordered
        ]

    def _dense(self, vector: np.ndarray | None, lang: str = "uk") -> np.ndarray:
        """Cosine of the question with each provision: both versions count, its own language's more."""
        n = len(self.index.chunks)
        if self.mode not in ("hybrid", "dense") or vector is None:
            return np.zeros(n, dtype=np.float32)
        uk = _search(self.index.vectors, vector, n)
        if self.index.vectors_en is None or not self.english:
            return uk
        en = _search(self.index.vectors_en, vector, n)
        own, other = (en, uk) if lang == "en" else (uk, en)
        both = (uk != 0) & (en != 0)
        return np.where(both, OWN_LANGUAGE_WEIGHT * own + (1 - OWN_LANGUAGE_WEIGHT) * other, np.maximum(uk, en))

    def _lexical(self, uk_search, en_stems, lang: str) -> np.ndarray:
        """BM25 in the question's language: Ukrainian lemmas on the Ukrainian text, English stems on the
        English text (with the glossary's Ukrainian lemmas as a lighter second voice)."""
        n = len(self.index.chunks)
        if self.mode not in ("hybrid", "bm25"):
            return np.zeros(n, dtype=np.float32)
        if lang == "uk":
            return self.index.bm25.scores(list(uk_search))
        if not self.english:
            return self.index.bm25.scores(list(uk_search) + list(en_stems))
        english = _unit(self.index.bm25_en.scores(list(en_stems)))
        if not self.use_glossary or not uk_search:
            return english
        return english + GLOSSARY_WEIGHT * _unit(self.index.bm25.scores(list(uk_search)))

    def _fuse(self, dense: np.ndarray, lexical: np.ndarray, lang: str, coverage: float) -> np.ndarray:
        d = _normalise(dense) if self.mode != "bm25" else np.zeros_like(dense)
        l = lexical / max(float(lexical.max()), 1e-6) if self.mode != "dense" else np.zeros_like(lexical)
        wd = self.settings.dense_weight if self.mode != "bm25" else 0.0
        wl = self.settings.lexical_weight if self.mode != "dense" else 0.0
        if self.mode == "hybrid":  # words the text does not know are no lexical evidence: meaning decides more
            floor = LEXICAL_FLOOR.get(lang, 1.0)
            wl *= floor + (1 - floor) * min(coverage, 1.0)
        return (wd * d + wl * l) / max(wd + wl, 1e-6)


# Words that name a legal instrument: a question about an instrument the corpus never mentions
# (a national code, the GDPR) is about something else, however convention-like its other words are.
_INSTRUMENT = re.compile(r"^(кодекс\w*|директив\w*|регламент\w*|code|directive|regulation|statute|act)$")
PREFIX = 6


def acts_in(chunks: list[Chunk]) -> tuple[ActNames, ...]:
    """The acts other than the Convention that the index holds, in index order, with their citation names."""
    acts: dict[str, ActNames] = {}
    for c in chunks:
        if c.source != CONVENTION and (c.act_uk or c.act_en) and c.source not in acts:
            acts[c.source] = ActNames(c.source, c.act_uk, c.act_en)
    return tuple(acts.values())


def lexical_coverage(q: Question, index: Index) -> float:
    """IDF-weighted share of the question's content words that the corpus knows (0..1).

    A word the corpus has never seen weighs as much as the rarest word it has. Ukrainian lemmas also
    count as known when the corpus has a word of the same stem ("обмежувати" / "обмеження").
    """
    bm25 = index.bm25
    vocabulary = bm25.prefixes(PREFIX)
    ceiling = max(bm25.idf.values(), default=1.0)
    known = unknown = 0.0
    instrument = False
    for word, candidates in q.coverage_units:
        weights = [bm25.idf[c] for c in candidates if bm25.known(c)]
        weights += [index.bm25_en.idf[c] for c in candidates if c.startswith("en:") and index.bm25_en.known(c)]
        if weights:
            known += max(weights)
        elif any(len(c) > PREFIX and not c.startswith("en:") and c[:PREFIX] in vocabulary for c in candidates):
            known += ceiling / 2
        else:
            unknown += ceiling
            instrument = instrument or bool(_INSTRUMENT.match(word))
    if any(not any(bm25.known(term) for term in acronym) for acronym in q.acronyms):
        instrument = True
    total = known + unknown
    coverage = known / total if total else 0.0
    return coverage / 2 if instrument else coverage


SECTIONS = ("offences", "procedure", "jurisdiction", "cooperation")
_CHAPTER = re.compile(r"^(?:Розділ|Chapter)\s+([IVX]+)\b")
_SECTION = re.compile(r"^(?:Частина|Section)\s+([0-9]+)\b")


def section_of(chunk: Chunk) -> str | None:
    """offences (Chapter II Section 1), procedure (II.2), jurisdiction (II.3), cooperation (Chapter III), else None."""
    if chunk.source != CONVENTION or not chunk.path:
        return None
    chapter = _CHAPTER.match(chunk.path[0])
    section = _SECTION.match(chunk.path[1]) if len(chunk.path) > 1 else None
    if chapter and chapter.group(1) == "III":
        return "cooperation"
    if chapter and chapter.group(1) == "II" and section:
        return {"1": "offences", "2": "procedure", "3": "jurisdiction"}.get(section.group(1))
    return None


def _search(vectors, vector: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros(n, dtype=np.float32)
    scores, rows = vectors.search(vector, min(n, DENSE_CANDIDATES))
    valid = rows[0] >= 0
    out[rows[0][valid]] = scores[0][valid]
    return out


def _unit(scores: np.ndarray) -> np.ndarray:
    return scores / max(float(scores.max()), 1e-6)


def _normalise(scores: np.ndarray) -> np.ndarray:
    """Map cosine scores so the best is 1 and the typical (median) candidate is 0."""
    nonzero = scores[scores != 0]
    if nonzero.size == 0:
        return np.zeros_like(scores)
    top, mid = float(nonzero.max()), float(np.median(nonzero))
    if top - mid < 1e-6:
        return np.where(scores != 0, 1.0, 0.0).astype(np.float32)
    return np.clip((scores - mid) / (top - mid), -1.0, 1.0).astype(np.float32)
