"""Cross-references inside the convention's text, resolved to article/paragraph keys ("2", "6.1", "9.1.a").

The Ukrainian text refers to other provisions in inflected forms ("статтях 2 – 5", "пунктом 1.b
статті 6", "пункту 1 цієї статті"); the UI turns these keys into links and retrieval uses them
to pull in the provisions an article depends on.
"""

from __future__ import annotations

import re

_NUM = r"\d+(?:\.\d+)?(?:\.[a-z])?(?:\.[ivx]+)?"
_PARA_NUM = r"(?:\d+(?:\.[a-z])?(?:\.[ivx]+)?|[a-z](?=\.))"
_SEP = r"\s*(?:–|-|,|\bі\b|\bта\b|\bабо\b)\s*"
_LIST = rf"{_NUM}(?:{_SEP}{_NUM})*"
_PARA_LIST = rf"{_PARA_NUM}(?:{_SEP}{_PARA_NUM})*"

_PARA_OF_ARTICLE = re.compile(
    rf"(?:під)?пункт\w*\s+(?P<paras>{_PARA_LIST})\s+(?:цієї\s+)?стат\w*\s+(?P<art>\d+)", re.IGNORECASE
)
_PARA_HERE = re.compile(rf"(?:під)?пункт\w*\s+(?P<paras>{_PARA_LIST})(?!\s+стат\w*\s+\d)", re.IGNORECASE)
_ARTICLES = re.compile(rf"стат\w*\s+(?P<arts>{_LIST})(?!\w)", re.IGNORECASE)
# "статті 20.d Статуту Ради Європи", "статті 361 Кримінального кодексу України" are articles of another act
# ("статті 1 цього Закону" is not).
_OTHER_ACT = re.compile(r"[.\w]*\s+(?:Статут|Закону\b|Кодексу\b|[А-ЯІЇЄҐ]\w+\s+кодексу\b|Конвенції\s+(?:про|Ради)\b|"
                        r"(?:Додаткового\s+)?[Пп]ротоколу\b)")
_LINK = re.compile(r"\(\s*(\d{3,4}[_-]\d{2,3})\s*\)")


def _split_list(listing: str) -> list[tuple[str, str | None]]:
    """Items of an enumeration, with '–' ranges kept as (start, end) pairs."""
    tokens = re.split(r"\s*(–|-|,|\bі\b|\bта\b|\bабо\b)\s*", listing.strip())
    items: list[tuple[str, str | None]] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok in ("", ",", "і", "та", "або", "–", "-"):  # a dash that is no range ("361-363-1") names nothing
            i += 1
            continue
        if i + 2 < len(tokens) and tokens[i + 1] in ("–", "-"):
            items.append((tok, tokens[i + 2]))
            i += 3
            continue
        items.append((tok, None))
        i += 1
    return items


def _expand(start: str, end: str | None) -> list[str]:
    if end is None:
        return [start]
    if start.isdigit() and end.isdigit() and int(start) <= int(end) <= int(start) + 60:
        return [str(n) for n in range(int(start), int(end) + 1)]
    head_s, _, tail_s = start.rpartition(".")
    head_e, _, tail_e = end.rpartition(".")
    if head_s == head_e and len(tail_s) == len(tail_e) == 1 and tail_s.isalpha() and tail_s <= tail_e:
        prefix = head_s + "." if head_s else ""
        return [prefix + chr(c) for c in range(ord(tail_s), ord(tail_e) + 1)]
    return [start, end]


def _keys(listing: str) -> list[str]:
    out: list[str] = []
    for start, end in _split_list(listing):
        out.extend(_expand(start.rstrip("."), end.rstrip(".") if end else None))
    return out


def extract_refs(text: str, article: str | None, paragraph: str | None = None) -> tuple[str, ...]:
    """Keys of the provisions `text` refers to; relative ones ("цієї статті") resolve against `article`."""
    found: list[str] = []
    masked = text
    for m in _PARA_OF_ARTICLE.finditer(text):
        found.extend(f"{m['art']}.{p}" for p in _keys(m["paras"]))
        masked = masked[: m.start()] + " " * (m.end() - m.start()) + masked[m.end():]
    if article:
        for m in _PARA_HERE.finditer(masked):
            for p in _keys(m["paras"]):
                if p.isalpha() and paragraph:
                    p = f"{paragraph}.{p}"
                found.append(f"{article}.{p}")
    for m in _ARTICLES.finditer(masked):
        if not _OTHER_ACT.match(masked, m.end()):
            found.extend(_keys(m["arts"]))
    seen: dict[str, None] = {}
    for key in found:
        seen.setdefault(key, None)
    return tuple(seen)


_ARTICLES_EN = re.compile(r"\bArt(?:icles?|s?\.)\s+(?P<arts>\d+(?:\s*(?:,|and|or|-|–|to)\s*\d+)*)(?![\w.]\d)")


def extract_refs_en(text: str) -> tuple[str, ...]:
    """Articles an English text names ("Article 16", "Articles 2 to 5", "Art. 29"): the keys a
    commentary paragraph in English links to, as `extract_refs` gives them for the Ukrainian text."""
    found: list[str] = []
    for m in _ARTICLES_EN.finditer(text):
        listing = re.sub(r"\s+(?:and|or)\s+", ", ", re.sub(r"\s+to\s+", " – ", m["arts"]))
        found.extend(_keys(listing))
    return tuple(dict.fromkeys(found))


def extract_links(text: str) -> tuple[str, ...]:
    """Database codes of other acts, e.g. "( 995_004 )" -> "995_004"."""
    return tuple(dict.fromkeys(_LINK.findall(text)))


def link_url(code: str) -> str:
    return f"https://zakon.rada.gov.ua/laws/show/{code}"
