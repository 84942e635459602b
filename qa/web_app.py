"""The Gradio chat a lawyer keeps open: cited answers, chips that open the provision, sources,
a table of contents, filters, follow-ups, and the `/ask` API returning the JSON contract.

Everything the user or the corpus wrote is escaped before display; nothing is fetched from
outside the machine (local fonts, no analytics, no share tunnel unless asked).
"""

from __future__ import annotations

import html
import json
import logging
import os
import re
from dataclasses import dataclass, field

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
# Gradio rebuilds a pandas table of every recorded event (up to 10 000) after each request, for request
# metrics on its API page; on an all-day server that grows to tens of milliseconds per answer. Recompute
# every 100 events over at most the last 1 000 instead.
os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", "100")
os.environ.setdefault("GRADIO_ANALYTICS_MAX_EVENTS", "1000")

import gradio as gr  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402

from .answer import Answer  # noqa: E402
from .citations import label, provision_label, title  # noqa: E402
from .errors import QAError  # noqa: E402
from .language import detect_language  # noqa: E402
from .pipeline import Assistant  # noqa: E402
from .question import preview  # noqa: E402
from .provision_view import (  # noqa: E402
    COLUMN_LABELS,
    MARKDOWN_SIGNS,
    first_chunk_of_article,
    provision_html,
    referenced_articles,
    siblings,
    toc,
)
from .retrieval import Filters, parse_articles, parse_chapters  # noqa: E402

STREAM_STEP = 12  # words per streamed update
MAX_HISTORY_MESSAGES = 200  # the chat a client sends back with each question is cut to its last 200 messages
STATE_SESSIONS = 1000  # per-browser Conversation objects kept (least recently used dropped)

TEXTS = {
    "uk": {
        "chat": "Розмова", "input": "Питання", "placeholder": "Запитайте про Конвенцію про кіберзлочинність…",
        "send": "Надіслати", "new": "Нова розмова", "chips": "Цитовані положення (натисніть, щоб відкрити)",
        "sources": "Знайдені фрагменти", "provision": "Положення", "copy": "Цитата для копіювання",
        "related": "Пов’язані статті", "browse": "Зміст Конвенції", "open": "Відкрити статтю",
        "filter_articles": "Лише статті (напр. 2-13,16)", "filter_chapters": "Лише розділи",
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
# Provision | Title | Score | Cited: a long title wraps inside its share instead of pushing Score and Cited
# off-screen.
SOURCE_COLUMN_WIDTHS = ["26%", "50%", "12%", "12%"]


@dataclass
class Conversation:
    """Per-browser-session state: the article under discussion and the last answer's citations."""

    article: str | None = None
    citations: list[dict] = field(default_factory=list)
    lang: str = "uk"


def _texts(lang: str) -> dict:
    return TEXTS["en" if lang == "en" else "uk"]


def _filters(articles: str, chapters: list[str] | str | None) -> Filters:
    return Filters(parse_articles(articles), parse_chapters(chapters))


log = logging.getLogger("qa.web_app")


def _safe(text: str) -> str:
    """Chat messages are Markdown: shown as the text itself. HTML is escaped so '<script>' runs nothing,
    and every Markdown sign is backslash-escaped so a corpus paragraph's `![x](http://…)` is not turned
    into an image the browser fetches (nor `**`, links, headings or math into formatting); undecodable
    characters become U+FFFD instead of breaking the event stream."""
    text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return html.escape(MARKDOWN_SIGNS.sub(r"\\\1", text), quote=False)


def _failure(exc: Exception) -> str:
    """What a user is told about a failure: a QAError's own message, never a Python exception's text."""
    if isinstance(exc, QAError):
        return str(exc)
    log.exception("unexpected failure while answering")
    return "internal error; the server log has the details"


def api_answer(assistant: Assistant, question: object, lang: object = "", articles: object = "",
               chapters: object = "") -> dict:
    """The `/ask` endpoint: the JSON contract, or {"question": preview, "error": one line} for any input."""
    try:
        if lang not in ("", None, "uk", "en"):
            raise QAError("lang must be uk, en or empty (the question's language)")
        answer = assistant.ask(question, filters=_filters(articles, chapters), lang=lang or None)
    except Exception as exc:  # noqa: BLE001 - a structured error, never a traceback or exception text
        return {"question": preview(question), "error": _failure(exc)}
    return answer.to_json()


def _hint(lang: str) -> str:
    """The provision panel before anything is opened, in the chosen interface language; with "auto"
    (no language chosen yet) in both. Marked, so a language switch can replace it."""
    if lang in ("uk", "en"):
        text = _texts(lang)["empty_provision"]
    else:
        text = f'{TEXTS["uk"]["empty_provision"]} · {TEXTS["en"]["empty_provision"]}'
    return f'<p class="qa-hint">{html.escape(text)}</p>'


def _relabel_table(table, lang: str) -> dict:
    """The sources table as it stands, with its column names in `lang` (never one language's label over
    the other's column names)."""
    rows = table.values.tolist() if hasattr(table, "values") else list((table or {}).get("data") or [])
    rows = [r for r in rows if any(str(cell).strip() for cell in r)]
    return {"data": rows, "headers": _texts(lang)["columns"]}


def _sources_table(answer: Answer) -> dict:
    """Retrieved chunks with label, title, score and whether the answer cites them, in the answer's language."""
    cited = {c.chunk_id for c in answer.citations}
    rows = [[label(h.chunk, answer.language), title(h.chunk, answer.language), round(h.score, 3),
             "✓" if h.chunk.chunk_id in cited else ""] for h in answer.retrieved]
    return {"data": rows, "headers": _texts(answer.language)["columns"]}


def build_app(assistant: Assistant) -> gr.Blocks:
    index = assistant.index
    toc_choices = toc(index)
    chapters = sorted({c.path[0].split(" – ")[0].split(" ")[-1] for c in index.chunks if c.path},
                      key=lambda r: ["I", "II", "III", "IV"].index(r) if r in ("I", "II", "III", "IV") else 9)

    def copy_text(citation: dict) -> str:
        """The citation with its quote in both languages (authentic English first, as in the panel);
        a provision with one version (commentary) keeps its one quote."""
        head = f"{citation['label']} ({citation.get('title', '')})"
        quotes = citation.get("quotes") or {}
        if not quotes.get("en") or not quotes.get("uk"):
            return f"{head}: «{citation['quote']}»"
        return "\n".join([head, *(f"{name}: «{quotes[code]}»" for code, name in COLUMN_LABELS)])

    toc_ids = [chunk_id for _, chunk_id in toc_choices]

    def open_chunk(chunk_id: str | None, lang: str, cited: bool = True, subparagraph: str | None = None):
        """The article around `chunk_id`; only a citation (cited=True) highlights a paragraph (and its
        cited sub-paragraph) in both languages."""
        if not chunk_id or chunk_id not in index.row_of:
            return _hint(lang), gr.update(choices=[], value=None)
        chunk = index.chunks[index.row_of[chunk_id]]
        refs = referenced_articles(siblings(index, chunk))
        choices = [(provision_label(a, None, None, lang), a) for a in refs]
        return (provision_html(index, chunk_id, lang, highlight=cited, subparagraph=subparagraph),
                gr.update(choices=choices, value=None))

    def relabel(lang: str):
        t = _texts(lang)
        return (
            gr.update(label=t["chat"]),
            gr.update(label=t["input"], placeholder=t["placeholder"]),
            gr.update(value=t["send"]),
            gr.update(value=t["new"]),
            gr.update(label=t["chips"]),
            gr.update(label=t["sources"]),
            gr.update(label=t["copy"]),
            gr.update(label=t["related"]),
            gr.update(label=t["open"]),
        )

    def respond(message: str, history: list, conv: Conversation, lang_choice: str, articles: str,
                chapter_filter: list[str]):
        history = list(history or [])
        ui_lang = lang_choice if lang_choice in ("uk", "en") else detect_language(message or "")
        shown = message if isinstance(message, str) and len(message) <= assistant.settings.max_question_chars \
            else preview(message)
        history.append({"role": "user", "content": _safe(shown or "")})
        del history[:-MAX_HISTORY_MESSAGES]
        try:
            answer = assistant.ask(message, filters=_filters(articles, chapter_filter),
                                   context_article=conv.article,
                                   lang=lang_choice if lang_choice in ("uk", "en") else None)
        except Exception as exc:  # noqa: BLE001 - the chat shows one clear line, never an exception's text
            history.append({"role": "assistant", "content": _safe(f"{_texts(ui_lang)['error']}: {_failure(exc)}")})
            yield (history, "", conv, gr.skip(), gr.skip(), gr.skip(), *relabel(ui_lang))
            return
        ui_lang = answer.language
        words = _safe(answer.answer).split(" ")
        history.append({"role": "assistant", "content": ""})
        for end in range(STREAM_STEP, len(words), STREAM_STEP):
            history[-1] = {"role": "assistant", "content": " ".join(words[:end]) + " …"}
            yield (history, "", conv, gr.skip(), gr.skip(), gr.skip(), *[gr.skip()] * 9)
        history[-1] = {"role": "assistant", "content": " ".join(words)}
        citations = [c.to_json() for c in answer.citations]
        new_conv = Conversation(article=next((c["article"] for c in citations if c.get("article")), conv.article),
                                citations=citations, lang=answer.language)
        chips = gr.update(choices=[(c["label"], c["chunk_id"]) for c in citations], value=None,
                          visible=bool(citations))
        yield (history, "", new_conv, chips, _sources_table(answer), gr.update(value=""), *relabel(ui_lang))

    def on_chip(chunk_id: str | None, conv: Conversation, lang_choice: str):
        lang = lang_choice if lang_choice in ("uk", "en") else conv.lang
        cited = next((c for c in conv.citations if c["chunk_id"] == chunk_id), None)
        panel, related = open_chunk(chunk_id, lang, subparagraph=(cited or {}).get("subparagraph"))
        return panel, related, (copy_text(cited) if cited else "")

    def on_related(article: str | None, conv: Conversation, lang_choice: str):
        if not article:
            return gr.skip(), gr.skip()
        lang = lang_choice if lang_choice in ("uk", "en") else conv.lang
        return open_chunk(first_chunk_of_article(index, article), lang, cited=False)

    def on_toc(chunk_id: str | None, conv: Conversation, lang_choice: str):
        """Open from the dropdown, then clear it, so the same article (Article 1 too) can be picked again."""
        if not chunk_id:
            return gr.skip(), gr.skip(), gr.skip()
        lang = lang_choice if lang_choice in ("uk", "en") else conv.lang
        return (*open_chunk(chunk_id, lang, cited=False), gr.update(value=None))

    def on_toc_list(row: int, conv: Conversation, lang_choice: str):
        lang = lang_choice if lang_choice in ("uk", "en") else conv.lang
        chunk_id = toc_ids[row] if isinstance(row, int) and 0 <= row < len(toc_ids) else None
        return open_chunk(chunk_id, lang, cited=False)

    def on_lang(lang_choice: str, table, shown: str):
        lang = lang_choice if lang_choice in ("uk", "en") else "uk"
        labels = list(relabel(lang))
        labels[5] = gr.update(label=_texts(lang)["sources"], value=_relabel_table(table, lang))
        hint = _hint(lang_choice) if 'class="qa-hint"' in (shown or "") else gr.skip()
        return (*labels, hint, gr.update(label=_texts(lang)["toc"]))

    def new_conversation(lang_choice: str):
        lang = lang_choice if lang_choice in ("uk", "en") else "uk"
        return ([], "", Conversation(), gr.update(choices=[], value=None, visible=False),
                {"data": [], "headers": _texts(lang)["columns"]}, "", _hint(lang_choice),
                gr.update(choices=[], value=None))

    def api_ask(question: str, lang: str = "", articles: str = "", chapters: str = "") -> dict:
        """Answer a question; returns the same JSON contract as `qa ask --json`."""
        return api_answer(assistant, question, lang, articles, chapters)

    t = _texts("uk")
    with gr.Blocks(title="Budapest Convention QA") as app:
        conv = gr.State(Conversation())
        gr.Markdown("### Конвенція про кіберзлочинність · Convention on Cybercrime (ETS 185)")
        with gr.Tab("Чат · Chat", elem_id="qa-tab-chat"), gr.Row():
            with gr.Column(scale=3):
                chatbot = gr.Chatbot(label=t["chat"], height=460, elem_id="qa-chat", sanitize_html=True,
                                     buttons=["copy"])
                with gr.Row():
                    question = gr.Textbox(label=t["input"], placeholder=t["placeholder"], scale=5,
                                          elem_id="qa-question", lines=1, max_lines=6)
                    send = gr.Button(t["send"], variant="primary", scale=1, elem_id="qa-send")
                chips = gr.Radio(choices=[], label=t["chips"], elem_id="qa-chips", visible=False)
                copy_box = gr.Textbox(label=t["copy"], interactive=False, buttons=["copy"], elem_id="qa-copy",
                                      lines=2)
                sources = gr.Dataframe(headers=t["columns"], label=t["sources"], interactive=False,
                                       elem_id="qa-sources", wrap=True, column_widths=SOURCE_COLUMN_WIDTHS)
                with gr.Row():
                    ui_lang = gr.Radio(choices=[("auto", "auto"), ("українська", "uk"), ("English", "en")],
                                       value="auto", label=t["lang"] + " / Interface language", elem_id="qa-lang")
                    new = gr.Button(t["new"], elem_id="qa-new")
                with gr.Accordion("Фільтри · Filters", open=False):
                    article_filter = gr.Textbox(label=t["filter_articles"] + " / Only articles", elem_id="qa-filter")
                    chapter_filter = gr.CheckboxGroup(choices=chapters, label=t["filter_chapters"] + " / Only chapters")
                examples = gr.Examples(examples=[[e] for e in EXAMPLES], inputs=[question],
                                       label=t["examples"] + " · Examples", elem_id="qa-examples")
            with gr.Column(scale=3):  # two texts side by side need the width
                panel = gr.HTML(_hint("auto"), elem_id="qa-provision", label=t["provision"])
                related = gr.Radio(choices=[], label=t["related"], elem_id="qa-related")
                with gr.Accordion(t["browse"] + " · Table of contents", open=False, elem_id="qa-toc-box"):
                    open_article = gr.Dropdown(choices=toc_choices, value=None, label=t["open"], elem_id="qa-toc")
                    toc_list = gr.Dataset(components=["textbox"], samples=[[entry] for entry, _ in toc_choices],
                                          type="index", layout="table", samples_per_page=len(toc_choices) or 1,
                                          label=t["toc"], elem_id="qa-toc-list")

        with gr.Tab("Квіз · Quiz", elem_id="qa-tab-quiz"):
            quiz_tab(index, chapters)

        relabel_outputs = [chatbot, question, send, new, chips, sources, copy_box, related, open_article]
        outputs = [chatbot, question, conv, chips, sources, copy_box, *relabel_outputs]
        inputs = [question, chatbot, conv, ui_lang, article_filter, chapter_filter]
        send.click(respond, inputs, outputs, api_visibility="private")
        question.submit(respond, inputs, outputs, api_visibility="private")
        chips.select(on_chip, [chips, conv, ui_lang], [panel, related, copy_box], api_visibility="private")
        related.select(on_related, [related, conv, ui_lang], [panel, related], api_visibility="private")
        open_article.input(on_toc, [open_article, conv, ui_lang], [panel, related, open_article],
                           api_visibility="private")
        toc_list.click(on_toc_list, [toc_list, conv, ui_lang], [panel, related], api_visibility="private")
        # an example is a question to ask, not only text to put in the box
        examples.load_input_event.then(respond, inputs, outputs, api_visibility="private")
        ui_lang.change(on_lang, [ui_lang, sources, panel], [*relabel_outputs, panel, toc_list],
                       api_visibility="private")
        new.click(new_conversation, [ui_lang], [chatbot, question, conv, chips, sources, copy_box, panel, related],
                  api_visibility="private")
        gr.api(api_ask, api_name="ask")
    return app


QUIZ_TEXTS = {
    "uk": {"key": "Ключ", "dropped": "Під час перевірки відкинуто кандидатів: {n} ({reasons}); у квізі лише перевірені питання.",
           "aiken": "Файл Aiken містить лише питання з одним варіантом відповіді: {n} з {total}.",
           "short": "Для цього обсягу вдалося створити лише {n} перевірених питань із {count}."},
    "en": {"key": "Key", "dropped": "Candidates dropped while validating: {n} ({reasons}); the quiz holds only checked items.",
           "aiken": "The Aiken file holds single-answer items only: {n} of {total}.",
           "short": "Only {n} checked item(s) of {count} could be made for this scope."},
}


def quiz_preview(quiz, show_key: bool = False) -> str:
    """Markdown preview for trainers (all escaped). The key (✓, cloze answers, citations with their
    quotes) shows only when asked for: a preview on a projector must not give the answers away."""
    from .quiz_formats import exported_count

    words = QUIZ_TEXTS["en" if quiz.request.lang == "en" else "uk"]
    blocks = []
    for n, item in enumerate(quiz.items, start=1):
        lines = [f"**{n}. [{item.type}]** {_safe(item.prompt)}"]
        if item.text:
            lines.append(f"> {_safe(item.text)}")
        for option in item.options:
            mark = ("✓" if option == item.answer else "·") if show_key else "○"
            lines.append(f"- {mark} {_safe(option)}")
        if item.type == "matching" and show_key:
            lines.extend(f"- {_safe(left)} → {_safe(right)}" for left, right in item.pairs)
        elif item.type == "matching":  # articles, then their titles in another order, to be matched
            lines.extend(f"- {_safe(left)}" for left, _ in item.pairs)
            lines.extend(f"- {letter}. {_safe(right)}" for letter, right in zip("ABCDEFGH", sorted(r for _, r in item.pairs)))
        if show_key and item.type == "cloze":
            lines.append(f"- ✓ {_safe(item.answer)}")
        if show_key and item.type != "matching":
            lines.append(f"\n{words['key']}: {_safe(item.citation)}: «{_safe(item.quote)}»")
        blocks.append("\n".join(lines))
    notes = []
    if len(quiz.items) < quiz.request.count:
        notes.append(words["short"].format(n=len(quiz.items), count=quiz.request.count))
    aiken = exported_count(quiz, "aiken")
    if aiken < len(quiz.items):
        notes.append(words["aiken"].format(n=aiken, total=len(quiz.items)))
    if quiz.dropped:
        reasons = "; ".join(f"{reason} ×{k}" for reason, k in sorted(quiz.dropped.items()))
        notes.append(words["dropped"].format(n=sum(quiz.dropped.values()), reasons=_safe(reasons)))
    return "\n\n".join(blocks + [f"_{note}_" for note in notes])


def quiz_tab(index, chapters: list[str]) -> None:
    """Controls, a preview (answer key behind a toggle) and the four exports as downloads."""
    import tempfile
    from pathlib import Path

    from .quiz_builder import QuizBuilder, QuizRequest
    from .quiz_formats import FORMATS, export, file_name
    from .quiz_items import TYPES

    builder = QuizBuilder(index)
    with gr.Row():
        count = gr.Slider(1, 100, value=10, step=1, label="Кількість · Count", elem_id="quiz-count")
        types = gr.CheckboxGroup(list(TYPES), value=list(TYPES), label="Типи · Types", elem_id="quiz-types")
        lang = gr.Radio([("українська", "uk"), ("English", "en")], value="uk", label="Мова · Language",
                        elem_id="quiz-lang")
    with gr.Row():
        articles = gr.Textbox(label="Статті · Articles (2-13)", elem_id="quiz-articles")
        chapter_box = gr.CheckboxGroup(chapters, label="Розділи · Chapters")
        difficulty = gr.Radio(["easy", "medium", "hard"], value="medium", label="Складність · Difficulty")
        seed = gr.Number(value=7, precision=0, label="Seed")
    with gr.Row():
        generate = gr.Button("Створити квіз · Generate", variant="primary", elem_id="quiz-generate")
        show_key = gr.Checkbox(value=False, label="Показати відповіді · Show answer key", elem_id="quiz-key")
    built = gr.State(None)
    preview = gr.Markdown(elem_id="quiz-preview")
    files = gr.File(label="Експорт · Downloads (GIFT, Aiken, CSV, JSON)", file_count="multiple", elem_id="quiz-files")

    def make(count, types, articles, chapter_box, lang, difficulty, seed, key):
        try:
            request = QuizRequest(count=int(count), types=tuple(types or ()), articles=parse_articles(articles),
                                  chapters=parse_chapters(chapter_box), lang=lang, difficulty=difficulty,
                                  seed=int(seed or 0))
            quiz = builder.build(request)
        except (QAError, ValueError) as exc:
            return _safe(f"{_texts(lang)['error']}: {exc}"), None, None
        folder = Path(tempfile.mkdtemp(prefix="quiz-"))
        paths = []
        for fmt in FORMATS:
            path = folder / file_name(request, fmt)
            path.write_text(export(quiz, fmt), encoding="utf-8")
            paths.append(str(path))
        return quiz_preview(quiz, bool(key)), paths, quiz

    def toggle(quiz, key):
        return quiz_preview(quiz, bool(key)) if quiz is not None else gr.skip()

    generate.click(make, [count, types, articles, chapter_box, lang, difficulty, seed, show_key],
                   [preview, files, built], api_visibility="private")
    show_key.change(toggle, [built, show_key], [preview], api_visibility="private")


def _slow_idle_polling(app: gr.Blocks) -> None:
    """Gradio's queue wakes every 1 ms (and its progress loop every 10 ms) to look for work: 7 % of a
    core on an idle server a lawyer keeps open all day, and CPU taken from answers under load. Every
    5 ms (50 ms) costs a fifth of that for at most 5 ms more before an answer starts."""
    queue = app._queue
    queue.sleep_when_free = max(queue.sleep_when_free, 0.005)
    queue.progress_update_sleep_when_free = max(queue.progress_update_sleep_when_free, 0.05)


# Routes Gradio mounts that this app never uses: uploads (unauthenticated files of any size into a temp
# folder shared with other Gradio servers, served back), the public monitoring dashboard, media streams,
# recordings, the proxy, run history, custom components and the "vibe" editor. Everything else stays
# (README: "Routes the server answers").
UNUSED_ROUTES = re.compile(
    r"^(?:/gradio_api)?/(?:upload|upload_progress|monitoring|stream|process_recording|proxy=|run-history|runs|"
    r"vibe-edit|undo-vibe-edit|vibe-code|vibe-starter-queries|custom_component|dev/reload)(?:[/{=]|$)"
)


MAX_BODY_BYTES = 256 * 1024  # a 2 000-character question is at most ~24 KB of JSON; uploads are closed


class ClosedRoutes:
    """ASGI middleware in front of Gradio: the unused routes answer 404, and a request body declared larger
    than MAX_BODY_BYTES answers 413, both before Gradio reads or parses anything (a 1 MB question cost
    the server a JSON parse, a validation and an event before it was refused)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] in ("http", "websocket") and UNUSED_ROUTES.match(scope.get("path", "")):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            await _plain(send, 404, b"Not Found")
            return
        if scope["type"] == "http":
            length = dict(scope.get("headers") or []).get(b"content-length", b"0")
            if not length.isdigit() or int(length) > MAX_BODY_BYTES:
                await _plain(send, 413, b'{"error": "request too large: a question is at most a few thousand characters"}',
                             b"application/json")
                return
            receive = _bounded_receive(receive)  # a body sent without a length is cut off at the same size
        await self.app(scope, receive, send)


def _bounded_receive(receive):
    received = 0

    async def bounded():
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > MAX_BODY_BYTES:
                return {"type": "http.disconnect"}  # Gradio stops reading, as if the client went away
        return message

    return bounded


async def _plain(send, status: int, body: bytes, kind: bytes = b"text/plain; charset=utf-8") -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def serve(assistant: Assistant, host: str = "127.0.0.1", port: int = 7860, share: bool = False,
          block: bool = True) -> gr.Blocks:
    """Build, queue and launch the app; with block=False it returns the running app (tests close it)."""
    app = build_app(assistant)
    # Answering is short and CPU-bound and the embedder already admits one query per core, so waiting is
    # cheaper there than in Gradio's queue, where waiting events cost polling and status broadcasts
    # to every waiting client. The limit only bounds threads under a burst.
    app.queue(default_concurrency_limit=assistant.settings.serve_concurrency)
    _slow_idle_polling(app)
    app.launch(server_name=host, server_port=port, share=share, prevent_thread_lock=True,
               css=CSS, footer_links=["api"], quiet=not block, show_error=True,
               state_session_capacity=STATE_SESSIONS, max_file_size="1kb", enable_monitoring=False,
               app_kwargs={"middleware": [Middleware(ClosedRoutes)]})
    if block:
        app.block_thread()
    return app
