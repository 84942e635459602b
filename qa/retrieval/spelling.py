"""Ukrainian words typed the way people type them: missing diacritics (ї, є, ґ), a Russian letter or ending
(и for і, ы, э), a doubled or missing double letter, a dropped apostrophe. A word the Ukrainian dictionary
does not know is replaced by the first form it does know among its one-step repairs, most likely first;
a word with no known repair is left as it is. Only unknown words are touched, so correct text never changes.
"""

from __future__ import annotations

import re

from ..sources.lexicon import uk_known

# Letter → what it may have been typed for: missing diacritics first, then Russian letters.
_SUBSTITUTES = {"і": "їи", "и": "ій", "е": "є", "г": "ґ", "ы": "и", "э": "е", "ё": "ьо", "ъ": "'"}
_APOSTROPHE_BEFORE = "яюєї"
_APOSTROPHE_AFTER = "бпвмфр"
_WORD = re.compile(r"[а-яіїєґёыэъ'’ʼ]{4,}", re.IGNORECASE)


def repairs(word: str) -> list[str]:
    """One-step repairs of a lowercase word, most likely first."""
    out = []
    for i, letter in enumerate(word):
        out += [word[:i] + other + word[i + 1 :] for other in _SUBSTITUTES.get(letter, "")]
    russian = word.replace("и", "і")  # a Russian spelling of a Ukrainian word ("конвенции")
    if russian != word:
        out.append(russian)
        out += [russian[:i] + "ї" + russian[i + 1 :] for i, letter in enumerate(russian) if letter == "і"]
    out += [word[:i] + word[i + 1 :] for i in range(1, len(word)) if word[i] == word[i - 1]]  # "данних"
    out += [word[: i + 1] + word[i] + word[i + 1 :] for i in range(len(word)) if word[i] in "нлтсжчшдзц"]
    out += [word[:i] + "'" + word[i:] for i in range(1, len(word))
            if word[i - 1] in _APOSTROPHE_AFTER and word[i] in _APOSTROPHE_BEFORE]
    return out


def repair(word: str) -> str:
    lower = word.lower()
    if uk_known(lower):
        return word
    for candidate in repairs(lower):
        if uk_known(candidate):
            return candidate if word.islower() else candidate.capitalize() if word[0].isupper() else candidate
    return word


def restore_spelling(text: str) -> str:
    """The text with each unknown Ukrainian word replaced by its most likely known repair."""
    return _WORD.sub(lambda m: repair(m.group(0)), text)
