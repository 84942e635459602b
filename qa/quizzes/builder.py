"""Quiz generation from the parsed corpus (never from a hand-written bank): which-article, cloze,
true/false and matching items, each keyed to the provision that justifies it, validated before use.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass, field

import numpy as np

from ..answering.citations import label, provision_label
from ..answering.extractive import sentence_spans
from ..indexing.index import Index
from ..sources.chunks import CONVENTION, Chunk
from ..sources.lexicon import GLOSSARY_PATH, read_pairs
from .items import BLANK, FRAMES, TYPES, QuizItem
from .validation import validate

DIFFICULTIES = ("easy", "medium", "hard")
_NUMBER_UNIT = re.compile(r"\b(\d{1,3})\s+(днів|дні|років|роки|рік|місяців|місяці)\b")
_QUOTED = re.compile(r"“([^”]{3,80})”")
_LEAD_NUMBER = re.compile(r"^(?:\d+\.\s+)?(?:[a-z]\.\s+)?(?:[ivx]+\.\s+)?")  # "1. a. ii. " list labels
_LEAD_NUMBER_EN = re.compile(r"^(?:\d+\.\s*)?(?:[a-z]\)\s*)?(?:\(?[ivx]+\)\s*)?")  # "1. a) (i) " in English
_NUMBER_UNIT_EN = re.compile(r"\b(thirty|sixty|ninety|one hundred and twenty|one hundred and eighty|one|two|three|"
                             r"six|twelve)\s+(days|months|month|years|year)\b")
_QUOTED_EN = re.compile(r'"([^"]{3,80})"')
_DAYS_EN = ("thirty", "sixty", "ninety", "one hundred and twenty", "one hundred and eighty")
_DAYS = (30, 60, 90, 120, 180)
_YEARS = (14, 16, 18, 21)
# One fact changed, each swap reversing what the provision says.
_SWAPS = (
    ("Сторона, яка запитує", "Сторона, яку запитують"),
    ("Сторона, яку запитують", "Сторона, яка запитує"),
    ("не менше ніж", "не більше ніж"),
    ("максимальним", "мінімальним"),
    ("щонайменше один рік", "щонайменше три роки"),
    ("тримісячного", "шестимісячного"),
    ("не вимагається", "вимагається"),
    ("навмисн", "ненавмисн"),
    ("без права на це", "з правом на це"),
    ("позбавлення волі", "громадські роботи"),
    ("Генеральному секретарю Ради Європи", "Голові Європейського суду з прав людини"),
    # Chapter II, section 2 (procedure) has almost no figures: its facts are permissions, duties and limits.
    ("Сторона може", "Сторона зобов’язана"),
    ("Держава може", "Держава зобов’язана"),
    ("зберігати конфіденційність факту", "оприлюднювати факт"),
    ("в межах його існуючих технічних можливостей", "незалежно від його технічних можливостей"),
    ("у реальному масштабі часу", "лише після завершення передачі"),
)
# The same kinds of change in the authentic English wording (an English quiz quotes the English text).
_SWAPS_EN = (
    ("requesting Party", "requested Party"),
    ("requested Party", "requesting Party"),
    ("not less than", "not more than"),
    ("maximum", "minimum"),
    ("at least one year", "at least three years"),
    ("intentionally", "negligently"),
    ("without right", "with right"),
    ("deprivation of liberty", "community service"),
    ("Secretary General of the Council of Europe", "President of the European Court of Human Rights"),
    ("Party may", "Party shall"),
    ("State may", "State shall"),
    ("keep confidential", "make public"),
    ("within its existing technical capability", "regardless of its technical capability"),
    ("in real-time", "only after the transmission is completed"),
)


@dataclass(frozen=True)
class QuizRequest:
    count: int = 10
    types: tuple[str, ...] = TYPES
    articles: frozenset[str] = frozenset()
    chapters: frozenset[str] = frozenset()
    lang: str = "uk"
    difficulty: str = "medium"
    seed: int = 0
    matching_size: int = 4


@dataclass
class Quiz:
    items: list[QuizItem]
    request: QuizRequest
    dropped: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict:
        r = self.request
        return {
            "request": {"count": r.count, "types": list(r.types), "articles": sorted(r.articles, key=int),
                        "chapters": sorted(r.chapters), "lang": r.lang, "difficulty": r.difficulty, "seed": r.seed},
            "dropped": self.dropped,
            "items": [i.to_json() for i in self.items],
        }


def _digest(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:10]


def _chapter(chunk: Chunk) -> str:
    return chunk.path[0].split(" – ")[0].split(" ")[-1] if chunk.path else ""


class QuizBuilder:
    def __init__(self, index: Index):
        self.index = index
        self.articles = [c for c in index.chunks if c.source == CONVENTION and c.kind == "article"]
        self.titles = {c.article: (c.title_uk, c.title_en) for c in self.articles}
        self.chapter_of = {c.article: _chapter(c) for c in self.articles}
        self._centroids = self._article_centroids()
        # Longest first, then alphabetical: a set's order follows the process's hash seed, and ties in
        # length must not decide which blank a cloze item gets (same seed, same quiz, in any process).
        pairs = read_pairs(GLOSSARY_PATH)
        self._terms = {lang: sorted({term for term in terms if len(term.split()) >= 2},
                                    key=lambda term: (-len(term), term))
                       for lang, terms in (("uk", [uk for _, uk in pairs]), ("en", [en for en, _ in pairs]))}

    def _article_centroids(self) -> dict[str, np.ndarray]:
        vectors = self.index.vectors.reconstruct_n(0, self.index.vectors.ntotal)
        out: dict[str, np.ndarray] = {}
        for article in self.titles:
            rows = self.index.by_article(article)
            mean = vectors[rows].mean(axis=0)
            out[article] = mean / max(float(np.linalg.norm(mean)), 1e-9)
        return out

    # ---------------------------------------------------------------- scope and sentences
    def scope(self, request: QuizRequest) -> list[Chunk]:
        chunks = [c for c in self.articles
                  if (not request.articles or c.article in request.articles)
                  and (not request.chapters or _chapter(c) in request.chapters)]
        if not chunks:
            from ..errors import QAError

            raise QAError("no articles match the requested articles/chapters")
        return chunks

    @staticmethod
    def sentences(chunk: Chunk, lang: str = "uk") -> list[str]:
        """Quotable sentences of the paragraph in the quiz's language: an English quiz quotes the
        authentic English text (none when the provision has no English version), a Ukrainian one the
        official translation."""
        text = quiz_text(chunk, lang)
        lead = _LEAD_NUMBER_EN if lang == "en" else _LEAD_NUMBER
        out = []
        for start, end in sentence_spans(text):
            s = lead.sub("", text[start:end].strip())
            if 50 <= len(s) <= 420:
                out.append(s)
        return out

    # ---------------------------------------------------------------- candidates per type
    def _which(self, chunk: Chunk, sentence: str, request: QuizRequest, rng: random.Random) -> QuizItem:
        frame = FRAMES[request.lang]
        correct = self.option(chunk.article, request.lang)
        distractors = [self.option(a, request.lang) for a in self.distractors(chunk.article, request, rng)]
        options = [correct, *distractors]
        rng.shuffle(options)
        return QuizItem(
            id=f"which-{_digest(chunk.chunk_id, sentence)}", type="which", lang=request.lang,
            prompt=frame["which"], text=f"«{sentence}»", options=tuple(options), answer=correct,
            citation=label(chunk, request.lang), chunk_id=chunk.chunk_id, quote=sentence,
            article=chunk.article, paragraph=chunk.paragraph, difficulty=request.difficulty)

    def _cloze(self, chunk: Chunk, sentence: str, request: QuizRequest, rng: random.Random) -> list[QuizItem]:
        frame = FRAMES[request.lang]
        en = request.lang == "en"
        blanks = [m.group(0) for m in (_NUMBER_UNIT_EN if en else _NUMBER_UNIT).finditer(sentence)]
        blanks += [m.group(1) for m in (_QUOTED_EN if en else _QUOTED).finditer(sentence)]
        blanks += [t for t in self._terms[request.lang] if t in sentence]
        items = []
        for blank in dict.fromkeys(blanks):
            if sentence.count(blank) != 1:
                continue
            items.append(QuizItem(
                id=f"cloze-{_digest(chunk.chunk_id, sentence, blank)}", type="cloze", lang=request.lang,
                prompt=frame["cloze"], text=sentence.replace(blank, BLANK), answer=blank,
                citation=label(chunk, request.lang), chunk_id=chunk.chunk_id, quote=sentence,
                article=chunk.article, paragraph=chunk.paragraph, difficulty=request.difficulty))
        return items

    def _tf(self, chunk: Chunk, sentence: str, request: QuizRequest, rng: random.Random) -> list[QuizItem]:
        frame = FRAMES[request.lang]
        options = (frame["true"], frame["false"])
        common = dict(type="tf", lang=request.lang, prompt=frame["tf"], options=options,
                      citation=label(chunk, request.lang), chunk_id=chunk.chunk_id, quote=sentence,
                      article=chunk.article, paragraph=chunk.paragraph, difficulty=request.difficulty)
        changes = self._changes(sentence, rng, request.lang)
        if not changes:
            return []  # a statement is only worth asking when one of its facts could be changed
        items = [QuizItem(id=f"tf-{_digest(chunk.chunk_id, sentence, 'true')}", text=f"«{sentence}»",
                          answer=frame["true"], **common)]
        for original, replacement in changes:
            changed = sentence.replace(original, replacement, 1)
            items.append(QuizItem(id=f"tf-{_digest(chunk.chunk_id, sentence, original, replacement)}",
                                  text=f"«{changed}»", answer=frame["false"], changed=(original, replacement),
                                  **common))
        return items

    @staticmethod
    def _changes(sentence: str, rng: random.Random, lang: str = "uk") -> list[tuple[str, str]]:
        changes = []
        if lang == "en":
            for m in _NUMBER_UNIT_EN.finditer(sentence):
                number, unit = m.group(1), m.group(2)
                pool = _DAYS_EN if unit == "days" else ("one", "two", "three", "six", "twelve")
                others = [n for n in pool if n != number]
                if others:
                    changes.append((m.group(0), f"{rng.choice(others)} {unit}"))
            return changes + [(a, b) for a, b in _SWAPS_EN if a in sentence]
        for m in _NUMBER_UNIT.finditer(sentence):
            number, unit = int(m.group(1)), m.group(2)
            pool = _DAYS if unit.startswith("дн") else _YEARS if unit.startswith(("рок", "рік")) else (1, 3, 6, 12)
            others = [n for n in pool if n != number]
            if others:
                changes.append((m.group(0), f"{rng.choice(others)} {unit}"))
        changes += [(a, b) for a, b in _SWAPS if a in sentence]
        return changes

    def _matching(self, articles: list[str], request: QuizRequest) -> QuizItem:
        frame = FRAMES[request.lang]
        pairs = tuple((f"{frame['article']} {a}", self.titles[a][1 if request.lang == "en" else 0]) for a in articles)
        first = next(c for c in self.articles if c.article == articles[0])
        return QuizItem(
            id=f"matching-{_digest(*articles)}", type="matching", lang=request.lang, prompt=frame["matching"],
            text="", pairs=pairs, answer="; ".join(f"{a} → {t}" for a, t in pairs),
            citation=", ".join(provision_label(a, None, None, request.lang) for a in articles),
            chunk_id=first.chunk_id, quote=pairs[0][1], article=articles[0], difficulty=request.difficulty)

    def _distinct_titles(self, articles: list[str], lang: str) -> list[str]:
        """Articles in the given order, skipping any whose title in `lang` an earlier one already has:
        Articles 16 and 29 share the official English title "Expedited preservation of stored computer
        data", and a matching item holding both would have two right answers."""
        seen: set[str] = set()
        out = []
        for a in articles:
            title = self.titles[a][1 if lang == "en" else 0]
            if title not in seen:
                seen.add(title)
                out.append(a)
        return out

    # ---------------------------------------------------------------- options
    def option(self, article: str, lang: str) -> str:
        uk, en = self.titles[article]
        return f"Article {article} – {en}" if lang == "en" else f"Стаття {article} – {uk}"

    def distractors(self, article: str, request: QuizRequest, rng: random.Random, n: int = 3) -> list[str]:
        """Plausible wrong articles: same chapter (medium), nearest by embedding (hard), any (easy)."""
        others = [a for a in self.titles if a != article]
        if request.difficulty == "hard":
            ranked = sorted(others, key=lambda a: -float(self._centroids[a] @ self._centroids[article]))
            return ranked[:n]
        if request.difficulty == "medium":
            same = [a for a in others if self.chapter_of[a] == self.chapter_of[article]]
            rng.shuffle(same)
            chosen = same[:n]
            if len(chosen) < n:
                ranked = sorted((a for a in others if a not in chosen),
                                key=lambda a: -float(self._centroids[a] @ self._centroids[article]))
                chosen += ranked[: n - len(chosen)]
            return chosen
        rng.shuffle(others)
        return others[:n]

    # ---------------------------------------------------------------- assembly
    def build(self, request: QuizRequest) -> Quiz:
        if request.lang not in FRAMES:
            raise ValueError("lang must be uk or en")
        unknown = set(request.types) - set(TYPES)
        if unknown or not request.types:
            raise ValueError(f"unknown item type(s): {', '.join(sorted(unknown)) or 'none given'}")
        rng = random.Random(request.seed)
        pools = {t: self._pool(t, request, rng) for t in request.types}
        items: list[QuizItem] = []
        dropped: dict[str, int] = {}
        seen_ids: set[str] = set()
        seen_text: set[tuple[str, str]] = set()
        order = list(request.types)
        used: dict[str, int] = {}  # article -> items keyed to it so far
        groups: list[set[str]] = []  # articles of the matching items chosen so far
        while len(items) < request.count and any(pools.values()):
            for kind in order:
                if len(items) >= request.count:
                    break
                while pools[kind]:
                    item = _take_spread(pools[kind], used, groups)
                    if item.id in seen_ids or (item.type, item.text + item.answer) in seen_text:
                        dropped["duplicate"] = dropped.get("duplicate", 0) + 1
                        continue
                    problems = validate(item, self.index)
                    if problems:
                        for p in problems:
                            dropped[p] = dropped.get(p, 0) + 1
                        continue
                    items.append(item)
                    seen_ids.add(item.id)
                    seen_text.add((item.type, item.text + item.answer))
                    if item.type == "matching":
                        groups.append(set(_matching_articles(item)))
                    else:
                        for key in _spread_keys(item):
                            used[key] = used.get(key, 0) + 1
                    break
        return Quiz(items, request, dropped)

    def _pool(self, kind: str, request: QuizRequest, rng: random.Random) -> list[QuizItem]:
        """All candidates of one type in scope, shuffled by the seed (popped from the end)."""
        chunks = self.scope(request)
        pool: list[QuizItem] = []
        if kind == "matching":
            articles = list(dict.fromkeys(c.article for c in chunks))
            size = max(2, min(request.matching_size + (2 if request.difficulty == "hard" else 0), len(articles)))
            for _ in range(4 * max(4, len(articles))):  # enough groups to choose ones that differ
                rng.shuffle(articles)
                group = sorted(self._distinct_titles(articles, request.lang)[:size], key=int)
                if len(group) >= 2:
                    pool.append(self._matching(group, request))
        else:
            for chunk in chunks:
                for sentence in self.sentences(chunk, request.lang):
                    if kind == "which":
                        pool.append(self._which(chunk, sentence, request, rng))
                    elif kind == "cloze":
                        pool.extend(self._cloze(chunk, sentence, request, rng))
                    else:
                        pool.extend(self._tf(chunk, sentence, request, rng))
        rng.shuffle(pool)
        return pool


def quiz_text(chunk: Chunk, lang: str) -> str:
    """The text a quiz in `lang` quotes and is checked against: the authentic English or the Ukrainian."""
    return chunk.text_en if lang == "en" else chunk.text


def _matching_articles(item: QuizItem) -> list[str]:
    return [left.split()[-1] for left, _ in item.pairs]


def _spread_keys(item: QuizItem) -> tuple[str, ...]:
    """What should not repeat: the article an item is keyed to (above all within one type: the same
    answer to two which-article questions), and for true/false also its answer."""
    keys = (item.article, f"{item.type}:{item.article}")
    return (*keys, f"tf:{item.answer}") if item.type == "tf" else keys


def _take_spread(pool: list[QuizItem], used: dict[str, int], groups: list[set[str]]) -> QuizItem:
    """Pop the candidate that repeats least of what the quiz already holds: the article it is keyed to
    (so one article is not the answer three times), a true/false answer given more often than the other,
    or, for matching, the articles an earlier matching item already pairs. Ties go to the seed's
    shuffled order (the end of the pool)."""

    def repeats(item: QuizItem) -> int:
        if item.type == "matching":
            mine = set(_matching_articles(item))
            return max((len(mine & g) for g in groups), default=0)
        return sum(used.get(key, 0) for key in _spread_keys(item))

    best = len(pool) - 1
    best_repeats = repeats(pool[best])
    for i in range(len(pool) - 2, -1, -1):
        if best_repeats == 0:
            break
        r = repeats(pool[i])
        if r < best_repeats:
            best, best_repeats = i, r
    return pool.pop(best)
