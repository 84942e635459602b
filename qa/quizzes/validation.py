"""Checks every quiz item against the corpus before anyone sees it; an invalid item is dropped and counted."""

from __future__ import annotations

import re

from ..indexing.index import Index
from ..sources.chunks import CONVENTION
from .items import BLANK, QuizItem


def _ws(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _text(chunk, lang: str) -> str:
    """What an item in `lang` is checked against: an English item's key against the authentic English
    text of the cited paragraph, a Ukrainian item's against the official translation."""
    return chunk.text_en if lang == "en" else chunk.text


def _corpus_texts(index: Index, lang: str = "uk") -> list[str]:
    cache = getattr(index, "_quiz_texts", None)
    if cache is None:
        cache = index._quiz_texts = {}
    if lang not in cache:
        cache[lang] = [_ws(_text(c, lang)) for c in index.chunks]
    return cache[lang]


def validate(item: QuizItem, index: Index) -> list[str]:
    """Reasons the item is invalid (empty when it is valid)."""
    problems: list[str] = []
    row = index.row_of.get(item.chunk_id)
    if row is None:
        return ["cited paragraph missing"]
    chunk = index.chunks[row]
    if chunk.article != item.article:
        problems.append("key does not match cited article")
    if item.type in ("which", "tf"):
        if len(item.options) != len(set(item.options)):
            problems.append("options not distinct")
        if item.options.count(item.answer) != 1:
            problems.append("not exactly one correct option")
    lang = "en" if item.lang == "en" else "uk"
    if item.type != "matching" and (not item.quote.strip() or _ws(item.quote) not in _ws(_text(chunk, lang))):
        problems.append("quote not in cited paragraph")
    if item.type == "which":
        titles = {(c.title_en if lang == "en" else c.title_uk).lower() for c in index.chunks
                  if c.article == item.article} | {f"стаття {item.article} ", f"article {item.article} "}
        titles.discard("")
        if any(t in item.text.lower() for t in titles):
            problems.append("answer leaks into stem")
        holders = {c.article for c, text in zip(index.chunks, _corpus_texts(index, lang))
                   if c.source == CONVENTION and _ws(item.quote) in text}
        if holders != {item.article}:
            problems.append("excerpt is not unique to one article")
    elif item.type == "cloze":
        if item.text.count(BLANK) != 1 or not item.answer:
            problems.append("cloze needs exactly one blank")
        elif item.answer in item.text:
            problems.append("answer leaks into stem")
        elif _ws(item.text.replace(BLANK, item.answer)) != _ws(item.quote):
            problems.append("cloze key does not restore the text")
    elif item.type == "tf":
        statement = _ws(item.text.strip("«»"))
        in_corpus = any(statement in t for t in _corpus_texts(index, lang))
        says_true = item.correct_index == 0
        if says_true and not in_corpus:
            problems.append("true statement is not verbatim")
        if not says_true and (in_corpus or not item.changed):
            problems.append("false statement is not false against the text")
    elif item.type == "matching":
        arts = [a.split()[-1] for a, _ in item.pairs]
        titles = [t for _, t in item.pairs]
        if len(set(arts)) != len(arts) or len(set(titles)) != len(titles) or len(arts) < 2:
            problems.append("matching pairs not distinct")
        for article, title in zip(arts, titles):
            rows = index.by_article(article)
            own = None if not rows else index.chunks[rows[0]].title_en if lang == "en" else index.chunks[rows[0]].title_uk
            if title != own:  # the title in the quiz's language, not merely one of the two
                problems.append("matching pair wrong")
                break
    return problems
