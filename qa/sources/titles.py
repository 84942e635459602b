"""The project's own English names for the convention's articles and chapters: a fallback only.

When the corpus holds the authentic English text (`budapest-convention.en.md`), the official titles
and headings come from that text (qa.alignment sets `title_en` and `path_en`); these names serve a
corpus with only the Ukrainian text, so English answers can still say "Article 2 (Illegal access)".
They agree with the official titles except Article 29, which is "Expedited preservation of stored
computer data" in the treaty (the same as Article 16); "(mutual assistance)" is the project's addition.
"""

from __future__ import annotations

ARTICLE_TITLES_EN: dict[str, str] = {
    "1": "Definitions",
    "2": "Illegal access",
    "3": "Illegal interception",
    "4": "Data interference",
    "5": "System interference",
    "6": "Misuse of devices",
    "7": "Computer-related forgery",
    "8": "Computer-related fraud",
    "9": "Offences related to child pornography",
    "10": "Offences related to infringements of copyright and related rights",
    "11": "Attempt and aiding or abetting",
    "12": "Corporate liability",
    "13": "Sanctions and measures",
    "14": "Scope of procedural provisions",
    "15": "Conditions and safeguards",
    "16": "Expedited preservation of stored computer data",
    "17": "Expedited preservation and partial disclosure of traffic data",
    "18": "Production order",
    "19": "Search and seizure of stored computer data",
    "20": "Real-time collection of traffic data",
    "21": "Interception of content data",
    "22": "Jurisdiction",
    "23": "General principles relating to international co-operation",
    "24": "Extradition",
    "25": "General principles relating to mutual assistance",
    "26": "Spontaneous information",
    "27": "Procedures pertaining to mutual assistance requests in the absence of applicable international agreements",
    "28": "Confidentiality and limitation on use",
    "29": "Expedited preservation of stored computer data (mutual assistance)",
    "30": "Expedited disclosure of preserved traffic data",
    "31": "Mutual assistance regarding accessing of stored computer data",
    "32": "Trans-border access to stored computer data with consent or where publicly available",
    "33": "Mutual assistance in the real-time collection of traffic data",
    "34": "Mutual assistance regarding the interception of content data",
    "35": "24/7 Network",
    "36": "Signature and entry into force",
    "37": "Accession to the Convention",
    "38": "Territorial application",
    "39": "Effects of the Convention",
    "40": "Declarations",
    "41": "Federal clause",
    "42": "Reservations",
    "43": "Status and withdrawal of reservations",
    "44": "Amendments",
    "45": "Settlement of disputes",
    "46": "Consultations of the Parties",
    "47": "Denunciation",
    "48": "Notification",
}

CHAPTER_TITLES_EN: dict[str, str] = {
    "I": "Use of terms",
    "II": "Measures to be taken at the national level",
    "III": "International co-operation",
    "IV": "Final provisions",
}

PART_TITLES: dict[str, tuple[str, str]] = {
    "header": (
        "Відомості про документ: ратифікація Україною, дати підписання, ратифікації та набрання чинності",
        "Document details: ratification by Ukraine, dates of signature, ratification and entry into force",
    ),
    "preamble": ("Преамбула", "Preamble"),
    "closing": ("Заключна формула", "Closing formula"),
}


def article_title_en(article: str) -> str:
    return ARTICLE_TITLES_EN.get(article, "")
