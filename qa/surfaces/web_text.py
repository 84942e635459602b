"""What the chat says, in both interface languages, and how any text is made safe to show in it."""

from __future__ import annotations

import html

from .provision_view import MARKDOWN_SIGNS

TEXTS = {
    "uk": {
        "chat": "Розмова", "input": "Питання", "placeholder": "Запитайте про Конвенцію про кіберзлочинність…",
        "send": "Надіслати", "new": "Нова розмова", "chips": "Цитовані положення (натисніть, щоб відкрити)",
        "sources": "Знайдені фрагменти", "provision": "Положення", "copy": "Цитата для копіювання",
        "related": "Пов’язані статті", "browse": "Зміст Конвенції", "open": "Відкрити статтю",
        "filter_articles": "Лише статті (напр. 2-13,16)", "filter_chapters": "Лише розділи",
        "filter_sources": "Лише джерела",
        "lang": "Мова інтерфейсу", "examples": "Приклади",
        "columns": ["Положення", "Назва", "Оцінка", "Цитовано"],
        "empty_provision": "Натисніть на цитату або виберіть статтю у змісті.",
        "error": "Помилка", "toc": "Зміст: натисніть на статтю, щоб відкрити її",
    },
    "en": {
        "chat": "Conversation", "input": "Question", "placeholder": "Ask about the Convention on Cybercrime…",
        "send": "Send", "new": "New conversation", "chips": "Cited provisions (click to open)",
        "sources": "Retrieved passages", "provision": "Provision", "copy": "Citation to copy",
        "related": "Related articles", "browse": "Table of contents", "open": "Open article",
        "filter_articles": "Only articles (e.g. 2-13,16)", "filter_chapters": "Only chapters",
        "filter_sources": "Only sources",
        "lang": "Interface language", "examples": "Examples",
        "columns": ["Provision", "Title", "Score", "Cited"],
        "empty_provision": "Click a citation or pick an article from the table of contents.",
        "error": "Error", "toc": "Contents: click an article to open it",
    },
}
EXAMPLES = [
    "Що таке незаконний доступ?",
    "Який максимальний термін збереження даних за ордером?",
    "Can a company be liable for a hack by its director?",
    "What does Article 29(7) say?",
]
CSS = """
#qa-chips .wrap label { border-radius: 999px; padding: 2px 12px; }
.qa-provision mark { background: #fff3a3; padding: 0 2px; }
.qa-provision .qa-cited { border-left: 4px solid #e0b000; padding-left: 8px; }
.qa-provision .qa-para { margin: 0.5em 0; white-space: normal; }
.qa-provision .qa-path, .qa-provision .qa-sub { color: #666; font-size: 0.9em; margin: 0; }
.qa-provision .qa-columns.qa-two { display: grid; grid-template-columns: 1fr 1fr; column-gap: 14px; }
.qa-provision .qa-col-head { border-bottom: 1px solid #ccc; padding-bottom: 4px; }
.qa-provision .qa-cited:has(mark.qa-sub-cited) { background: #fffbe0; }
.qa-provision mark.qa-sub-cited { background: #ffe066; }
#qa-sources table { table-layout: fixed; width: 100%; }
#qa-sources td, #qa-sources th { overflow-wrap: anywhere; }
"""

def texts(lang: str) -> dict:
    return TEXTS["en" if lang == "en" else "uk"]


def safe(text: str) -> str:
    """Chat messages are Markdown: shown as the text itself. HTML is escaped so '<script>' runs nothing,
    and every Markdown sign is backslash-escaped so a corpus paragraph's `![x](http://…)` is not turned
    into an image the browser fetches (nor `**`, links, headings or math into formatting); undecodable
    characters become U+FFFD instead of breaking the event stream."""
    text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return html.escape(MARKDOWN_SIGNS.sub(r"\\\1", text), quote=False)
