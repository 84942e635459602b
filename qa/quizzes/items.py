"""Quiz items: the shape every generator produces, every validator checks and every format exports."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

TYPES = ("which", "cloze", "tf", "matching")
FRAMES = {
    "en": {
        "which": "Which article of the Convention contains this provision?",
        "cloze": "Fill in the blank (authentic English text):",
        "tf": "True or false? According to the Convention (authentic English text):",
        "matching": "Match each article with its title.",
        "true": "True", "false": "False", "article": "Article",
    },
    "uk": {
        "which": "Яка стаття Конвенції містить це положення?",
        "cloze": "Заповніть пропуск:",
        "tf": "Правда чи неправда? Згідно з Конвенцією:",
        "matching": "Зіставте статті з їхніми назвами.",
        "true": "Правда", "false": "Неправда", "article": "Стаття",
    },
}
BLANK = "_____"


@dataclass(frozen=True)
class QuizItem:
    id: str
    type: str  # which | cloze | tf | matching
    lang: str  # language of the frame and of the quoted text: authentic English (en) or Ukrainian (uk)
    prompt: str  # the frame ("Which article…?")
    text: str  # the provision excerpt, cloze sentence with a blank, or the statement
    options: tuple[str, ...] = ()  # which / tf
    answer: str = ""  # correct option text (which, tf), blanked text (cloze)
    pairs: tuple[tuple[str, str], ...] = ()  # matching: (article, title)
    citation: str = ""  # "Article 29(7)" / "п. 7 ст. 29"
    chunk_id: str = ""
    quote: str = ""  # verbatim corpus text that justifies the key
    article: str = ""
    paragraph: str | None = None
    changed: tuple[str, str] | None = None  # tf false variant: (original fact, replaced by)
    difficulty: str = "medium"
    meta: dict = field(default_factory=dict, compare=False)

    @property
    def stem(self) -> str:
        return f"{self.prompt}\n{self.text}" if self.text else self.prompt

    @property
    def correct_index(self) -> int:
        return self.options.index(self.answer) if self.answer in self.options else -1

    def to_json(self) -> dict:
        data = asdict(self)
        data["options"] = list(self.options)
        data["pairs"] = [list(p) for p in self.pairs]
        data["changed"] = list(self.changed) if self.changed else None
        data.pop("meta")
        return data

    @classmethod
    def from_json(cls, data: dict) -> "QuizItem":
        values = dict(data)
        values["options"] = tuple(values.get("options") or ())
        values["pairs"] = tuple(tuple(p) for p in values.get("pairs") or ())
        values["changed"] = tuple(values["changed"]) if values.get("changed") else None
        return cls(**values)
