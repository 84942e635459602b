"""How an act other than the Convention is named in a citation: `ст. 3 Додаткового протоколу` /
`Additional Protocol, Article 3`.

A Ukrainian citation puts the act's short name in the genitive after the article, so the name is derived
from the act's title once, when the act is parsed: the leading adjectives and their noun are inflected with
pymorphy3 ("Додатковий протокол до Конвенції…" → "Додаткового протоколу"), "України" and a quoted name that
follow stay as they are ("Закон України «Про …»" → "Закону України «Про …»"). The English name is built from
a small table of the words acts are named with; a title it cannot translate keeps its Ukrainian short name.
Either name can be given explicitly instead (stored with the act's chunks), for a title these rules get wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .lexicon import _analyzer

_WORD = re.compile(r"[^\W\d_][\w’'\-]*")
_QUOTED = re.compile(r"«[^»]*»|“[^”]*”|„[^“”]*[“”]|\"[^\"]*\"")
_OF_UKRAINE = "України"
# The words acts are named with, and their English; a title with any other word keeps its Ukrainian name.
_EN_WORDS = {
    "закон": "Law", "кодекс": "Code", "протокол": "Protocol", "конвенція": "Convention", "угода": "Agreement",
    "договір": "Treaty", "постанова": "Resolution", "указ": "Decree", "статут": "Statute", "директива": "Directive",
    "регламент": "Regulation", "додатковий": "Additional", "другий": "Second", "перший": "First",
    "кримінальний": "Criminal", "процесуальний": "Procedure", "цивільний": "Civil", "господарський": "Commercial",
    "митний": "Customs", "податковий": "Tax", "сімейний": "Family", "трудовий": "Labour", "бюджетний": "Budget",
    "адміністративний": "Administrative", "виборчий": "Electoral", "житловий": "Housing", "земельний": "Land",
}


@dataclass(frozen=True)
class ActName:
    """An act's names for citations: `genitive` after an article in Ukrainian, `english` before it in English."""

    genitive: str
    english: str


def _recase(word: str, like: str) -> str:
    """`word` (lower case, from pymorphy3) written the way `like` was: "ЗАКОН" → "ЗАКОНУ", "Закон" → "Закону"."""
    if like.isupper() and len(like) > 1:
        return word.upper()
    return word[:1].upper() + word[1:] if like[:1].isupper() else word


def _nominative(word: str, pos: str):
    """The pymorphy3 parse of `word` as a nominative noun or adjective, or None."""
    for parse in _analyzer().parse(word.lower()):
        if parse.tag.POS == pos and "nomn" in parse.tag:
            return parse
    return None


def _head(title: str) -> tuple[list[str], str]:
    """The leading adjectives and their noun (at most four words), and what follows them in the title."""
    words: list[str] = []
    rest = title.strip()
    while (m := _WORD.match(rest)) and len(words) < 4:
        word = m.group(0)
        if _nominative(word, "NOUN") and not (words == [] and _nominative(word, "ADJF")):
            words.append(word)
            return words, rest[m.end():].strip()
        if not _nominative(word, "ADJF"):
            break
        words.append(word)
        rest = rest[m.end():].lstrip()
    return [], title.strip()


def _short(title: str) -> str:
    """A long title cut to the words a citation uses: before a comma, a bracket, "до", "щодо", "від", "№"
    (a quoted name is kept whole: "Закон України «Про …, …»")."""
    title = title.strip()
    quoted = _QUOTED.search(title)
    protected = _QUOTED.sub(lambda m: "q" * len(m.group(0)), title) if quoted else title
    cut = re.search(r",|\(|\s№|(?:^|\s+)(?:до|щодо|який|яка|що|від|to|concerning)\s+", protected)
    return title[: cut.start()].strip() if cut else title


def genitive_name(title: str) -> str:
    """"Додатковий протокол до Конвенції…" → "Додаткового протоколу"; "Закон України «Про …»" →
    "Закону України «Про …»"; a title whose head is not a nominative adjective+noun keeps its short form."""
    words, rest = _head(title)
    if not words:
        return _short(title)
    noun = _nominative(words[-1], "NOUN")
    plural = noun.tag.number == "plur"  # the Ukrainian dictionary marks plurals only
    agree = {"gent", "plur"} if plural else {"gent"} | ({noun.tag.gender} if noun.tag.gender else set())
    out = []
    for word in words[:-1]:
        adj = _nominative(word, "ADJF")
        form = adj.inflect(agree) if adj else None
        out.append(_recase(form.word, word) if form else word)
    form = noun.inflect({"gent", "plur"} if plural else {"gent"})
    out.append(_recase(form.word, words[-1]) if form else words[-1])
    tail = _short(rest)
    return " ".join(out + ([tail] if tail else []))


def english_name(title: str) -> str:
    """"Додатковий протокол…" → "Additional Protocol"; "Закон України «Про …»" → "Law of Ukraine «Про …»";
    an English title is cut to its short form; anything else keeps its Ukrainian short name."""
    if not re.search(r"[А-ЯІЇЄҐа-яіїєґ]", title):
        return _short(title)
    words, rest = _head(title)
    english = []
    for word in words:
        parse = _nominative(word, "NOUN") if word is words[-1] else _nominative(word, "ADJF")
        english.append(_EN_WORDS.get(parse.normal_form if parse else word.lower(), ""))
    if not words or not all(english):
        return _short(title)
    tail = _short(rest)
    of_ukraine = tail[: len(_OF_UKRAINE)].upper() == _OF_UKRAINE.upper()
    after = tail[len(_OF_UKRAINE):].strip() if of_ukraine else tail
    quoted = _QUOTED.fullmatch(after)
    if after and not quoted:  # "Кодекс України про адміністративні правопорушення": no half translation
        return _short(title)
    return " ".join(english) + (" of Ukraine" if of_ukraine else "") + (f" {after}" if after else "")


def act_name(title: str, genitive: str | None = None, english: str | None = None) -> ActName:
    """The names an act is cited by: derived from its title, unless given."""
    return ActName(genitive or genitive_name(title), english or english_name(title))
