"""Instruments a question may be about, and what the corpus holds of each.

Declining is for questions outside the corpus, and the commonest way to be outside is to ask about
another instrument: a protocol the header only mentions, data-protection law, a national code, another
treaty. The corpus holds the Convention's text (Ukrainian and English) and the commentary; of a few
neighbours it holds only a mention (the Additional Protocol in the header, the ratification law "with
reservations and declarations" without their text). A question about one of those is declined with a
pointer to the mention, never answered with the nearest article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Instrument:
    """Something a question can be about that the corpus does not contain in full."""

    key: str
    name_uk: str
    name_en: str
    pointer: str | None  # the part of the corpus that mentions it ("header"), if any
    pattern: re.Pattern
    named: bool = True  # a named instrument; False: a kind of law or fact, which in a client's story is context


    def to_json(self) -> dict:
        return {"key": self.key, "name_uk": self.name_uk, "name_en": self.name_en, "pointer": self.pointer}


def _rx(text: str) -> re.Pattern:
    return re.compile(text, re.IGNORECASE)


# Ordered: the more specific instrument first ("Second Additional Protocol" before "Additional Protocol").
INSTRUMENTS: tuple[Instrument, ...] = (
    Instrument("second_protocol", "Другий додатковий протокол до Конвенції (2022)",
               "the Second Additional Protocol to the Convention (2022)", None,
               _rx(r"друг\w*\s+(?:додатков\w*\s+)?протокол|second\s+(?:additional\s+)?protocol|"
                   r"protocol\s+(?:no\.?\s*)?2\b|2022\s+protocol|протокол\w*\s+2022")),
    Instrument("additional_protocol", "Додатковий протокол до Конвенції (расизм і ксенофобія, 994_687)",
               "the Additional Protocol to the Convention (racism and xenophobia)", "header",
               _rx(r"(?:додатков\w*\s+протокол|additional\s+protocol|994_687)(?!\w*\s+(?:до\s+)?європейськ\w*\s+конвенц|"
                   r"\s+to\s+the\s+european)|расизм|ксенофоб|racis|xenophob|геноцид|genocide|holocaust|голокост")),
    Instrument("reservations_ukraine", "тексти застережень і заяв України (Закон N 2824-IV)",
               "the text of Ukraine's reservations and declarations (Law No. 2824-IV)", "header",
               _rx(r"(?:україн\w*|ukrain\w*).{0,60}(?:застереж\w*|заяв\w*|reservation\w*|declaration\w*)|"
                   r"(?:застереж\w*|заяв\w*|reservation\w*|declaration\w*).{0,60}(?:україн\w*|ukrain\w*)")),
    Instrument("data_protection", "законодавство про захист персональних даних (GDPR тощо)",
               "data-protection law (the GDPR and the like)", None,
               _rx(r"\bgdpr\b|\bрзпд\b|general\s+data\s+protection|загальн\w*\s+регламент\w*|"
                   r"регламент\w*\s+(?:єс|європейськ)|захист\w*\s+персональн\w*\s+дан\w*\s+(?:в|у)\s+єс|"
                   r"\bdpo\b|data\s+protection\s+officer|right\s+to\s+be\s+forgotten|право\s+на\s+забуття")),
    Instrument("eu_law", "право Європейського Союзу (директиви, регламенти)", "European Union law (directives, regulations)",
               None, _rx(r"директив\w*|directive\b|\bnis\s*2?\b|eu\s+regulation|регламент\w*\s+єс|"
                         r"\be-?evidence\s+regulation|eidas")),
    Instrument("un_convention", "Конвенція ООН проти кіберзлочинності", "the United Nations convention against cybercrime",
               None, _rx(r"(?:конвенц\w*\s+оон|оон\w*\s+конвенц|un\s+(?:cyber\w*\s+)?convention|united\s+nations\s+"
                         r"(?:convention|treaty)\s+(?:against|on)\s+cyber|оон\s+проти\s+кібер)")),
    Instrument("case_law", "судова практика (ЄСПЛ, національні суди)", "case law (the European Court of Human Rights, "
               "national courts)", None,
               _rx(r"\bєспл\b|європейськ\w*\s+суд\w*\s+з\s+прав|\becthr\b|european\s+court\s+of\s+human|"
                   r"\bv\.\s+[A-Z]|«[^»]{2,40}\s+проти\s+[А-ЯІЇЄҐ][^»]{2,40}»|"
                   r"\bcourt\s+(?:held|ruled|decided)|верховн\w*\s+суд|supreme\s+court"), named=False),
    Instrument("arrest_warrant", "європейський ордер на арешт", "the European arrest warrant", None,
               _rx(r"європейськ\w*\s+ордер\w*|european\s+arrest\s+warrant|\beaw\b"), named=False),
    Instrument("other_states", "відомості про інші держави (хто ратифікував, їхні застереження)",
               "facts about other States (who ratified, their reservations)", None,
               _rx(r"(?:росі\w*|російськ\w*\s+федерац\w*|сша|сполучен\w*\s+штат\w*|китай|кита\w*|польщ\w*|німеччин\w*|"
                   r"франці\w*|британі\w*|канад\w*|японі\w*|russia\w*|united\s+states|\busa\b|china|poland|germany|"
                   r"france|united\s+kingdom|\buk\b|canada|japan).{0,60}(?:ратифік\w*|підписал\w*|приєдн\w*|застереж\w*|"
                   r"ratif\w*|signed|accede\w*|acceded|reservation\w*)|(?:ратифік\w*|ratif\w*|застереж\w*|reservation\w*)"
                   r".{0,60}(?:росі\w*|сша|китай|russia\w*|united\s+states|\busa\b|china)|скільки\s+держав\s+ратифікувал|"
                   r"how\s+many\s+(?:states|countries)\s+have\s+ratified|which\s+(?:states|countries)\s+have\s+(?:ratified|signed)|"
                   r"які\s+(?:держави|країни)\s+(?:ратифікувал|підписал)|list\s+of\s+parties|перелік\s+сторін"), named=False),
    Instrument("explanatory_report", "Пояснювальна доповідь до Конвенції та настанови T-CY",
               "the Explanatory Report and the T-CY guidance notes", None,
               _rx(r"пояснювальн\w*\s+доповід\w*|explanatory\s+report|\bt-cy\b|guidance\s+notes?|настанов\w*\s+t-cy")),
    Instrument("national_law", "національне законодавство (кодекси, закони, органи, покарання в роках)",
               "national law (codes, statutes, agencies, penalties in years)", None,
               _rx(r"кримінальн\w*\s+кодекс\w*|\bкк\s+україни|\bкк\b|\bккп\w*|кодекс\w*\s+україни|"
                   r"кримінальн\w*\s+процесуальн\w*|criminal\s+code|penal\s+code|code\s+of\s+criminal|\bcfaa\b|"
                   r"computer\s+fraud\s+and\s+abuse\s+act|\bсбу\b|\bsbu\b|\bнабу\b|кіберполіці\w*\s+україни|"
                   r"(?:закон\w*|законодавств\w*)\s+(?:україни|сша|польщ\w*|німеччин\w*)|"
                   r"(?:ukrainian|german|polish|us|u\.s\.|american|french|british)\s+(?:law|legislation|statute|courts?)\b|"
                   r"law\s+of\s+ukraine|ukraine'?s\s+(?:law|legislation|code|criminal)|\bкпк\b|"
                   r"за\s+національн\w*\s+(?:закон|законодавств|прав)\w*|under\s+(?:ukrainian|national)\s+law|"
                   r"строк\w*\s+давност\w*|limitation\s+period|statute\s+of\s+limitations|"
                   r"(?:скільки|how\s+many)\s+(?:років|years)|(?:років|years)\s+(?:позбавлення\s+волі|ув’язнення|"
                   r"in\s+prison|of\s+imprisonment|in\s+jail)|"
                   r"(?:вбивств\w*|murder\w*|крадіжк\w*|грабіж\w*|robbery|наркотик\w*|drugs?\b|ухилення\s+від\s+податк\w*|"
                   r"tax\s+evasion|хабар\w*|brib\w*)"), named=False),
)

# Asking only when or whether a mentioned instrument exists is answered by the mention itself.
_ASKS_DATE_ONLY = re.compile(r"\b(?:коли|якого\s+числа|дат\w*|when|dated?)\b|"
                             r"^\s*(?:чи|did|has|have|was|is\s+there)\b.{0,80}(?:ратифік|ratif|підпис|sign|існує|exist)",
                             re.IGNORECASE)


def named_instruments(question: str) -> tuple[Instrument, ...]:
    """Outside instruments the question is about, most specific first (at most one per key)."""
    found: list[Instrument] = []
    taken: list[tuple[int, int]] = []
    for instrument in INSTRUMENTS:
        m = instrument.pattern.search(question)
        if m and not any(m.start() < end and start < m.end() for start, end in taken):
            found.append(instrument)
            taken.append(m.span())
    return tuple(found)


_MENTION_DOES_NOT_SAY = {
    # The header dates the Additional Protocol but says nothing of its ratification or entry into force.
    "additional_protocol": re.compile(r"ратифік|ratif|чинн|force|застос|appl", re.IGNORECASE),
}


def answered_by_mention(question: str, instrument: Instrument) -> bool:
    """'When was the Additional Protocol adopted?', 'Did Ukraine ratify with reservations?': the header that
    mentions the instrument answers whether and when, never what it says."""
    silent = _MENTION_DOES_NOT_SAY.get(instrument.key)
    return (instrument.pointer is not None and bool(_ASKS_DATE_ONLY.search(question))
            and not (silent and silent.search(question)))
