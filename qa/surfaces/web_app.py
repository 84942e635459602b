"""The Gradio chat a lawyer keeps open: cited answers, chips that open the provision, sources,
a table of contents, filters, follow-ups, and the `/ask` API returning the JSON contract.

Everything the user or the corpus wrote is escaped before display; nothing is fetched from
outside the machine (local fonts, no analytics, no share tunnel unless asked).
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass, field

import gradio as gr

from ..answering.answer import Answer
from ..answering.citations import label, title
from ..answering.pipeline import Assistant
from ..errors import QAError
from ..retrieval.filters import Filters, parse_articles, parse_chapters, parse_sources
from ..retrieval.question import preview
from ..sources.chunks import CONVENTION
from ..sources.language import detect_language
from .provision_view import (
    COLUMN_LABELS,
    provision_html,
    toc,
)
from .provision_view import (
    related as related_provisions,
)
from .web_quiz import quiz_tab
from .web_sources import LiveAssistant, filter_choices, sources_tab
from .web_text import EXAMPLES, TEXTS, safe, texts

STREAM_STEP = 12  # words per streamed update
MAX_HISTORY_MESSAGES = 200  # the chat a client sends back with each question is cut to its last 200 messages
STATE_SESSIONS = 1000  # per-browser Conversation objects kept (least recently used dropped)

# Provision | Title | Score | Cited: a long title wraps inside its share instead of pushing Score and Cited
# off-screen.
SOURCE_COLUMN_WIDTHS = ["26%", "50%", "12%", "12%"]


@dataclass
class Conversation:
    """Per-browser-session state: the article under discussion and the last answer's citations."""

    article: str | None = None
    citations: list[dict] = field(default_factory=list)
    lang: str = "uk"


def _filters(articles: str, chapters: list[str] | str | None, sources: object = None, index=None) -> Filters:
    known = {c.source for c in index.chunks} if index is not None else set()
    return Filters(parse_articles(articles), parse_chapters(chapters), parse_sources(sources, known))


log = logging.getLogger("qa.web_app")


def _failure(exc: Exception) -> str:
    """What a user is told about a failure: a QAError's own message, never a Python exception's text."""
    if isinstance(exc, QAError):
        return str(exc)
    log.exception("unexpected failure while answering")
    return "internal error; the server log has the details"


def api_answer(assistant: Assistant, question: object, lang: object = "", articles: object = "",
               chapters: object = "", sources: object = "") -> dict:
    """The `/ask` endpoint: the JSON contract, or {"question": preview, "error": one line} for any input."""
    try:
        if lang not in ("", None, "uk", "en"):
            raise QAError("lang must be uk, en or empty (the question's language)")
        answer = assistant.ask(question, filters=_filters(articles, chapters, sources, assistant.index),
                               lang=lang or None)
    except Exception as exc:  # noqa: BLE001 - a structured error, never a traceback or exception text
        return {"question": preview(question), "error": _failure(exc)}
    return answer.to_json()


def _hint(lang: str) -> str:
    """The provision panel before anything is opened, in the chosen interface language; with "auto"
    (no language chosen yet) in both. Marked, so a language switch can replace it."""
    if lang in ("uk", "en"):
        text = texts(lang)["empty_provision"]
    else:
        text = f'{TEXTS["uk"]["empty_provision"]} · {TEXTS["en"]["empty_provision"]}'
    return f'<p class="qa-hint">{html.escape(text)}</p>'


def _relabel_table(table, lang: str) -> dict:
    """The sources table as it stands, with its column names in `lang` (never one language's label over
    the other's column names)."""
    rows = table.values.tolist() if hasattr(table, "values") else list((table or {}).get("data") or [])
    rows = [r for r in rows if any(str(cell).strip() for cell in r)]
    return {"data": rows, "headers": texts(lang)["columns"]}


def _sources_table(answer: Answer) -> dict:
    """Retrieved chunks with label, title, score and whether the answer cites them, in the answer's language."""
    cited = {c.chunk_id for c in answer.citations}
    rows = [[label(h.chunk, answer.language), title(h.chunk, answer.language), round(h.score, 3),
             "✓" if h.chunk.chunk_id in cited else ""] for h in answer.retrieved]
    return {"data": rows, "headers": texts(answer.language)["columns"]}


def build_app(assistant: Assistant | LiveAssistant) -> gr.Blocks:
    """The page over `assistant`; a source added or removed in its sources tab replaces the Assistant
    (LiveAssistant), so everything below reads `live.current` once per event, never a captured index."""
    live = assistant if isinstance(assistant, LiveAssistant) else LiveAssistant(assistant)
    index = live.current.index  # the start-up index: the quiz tab and the Convention's chapters only
    toc_choices = toc(index)
    chapters = sorted({c.path[0].split(" – ")[0].split(" ")[-1] for c in index.chunks if c.path and c.source == CONVENTION},
                      key=lambda r: ["I", "II", "III", "IV"].index(r) if r in ("I", "II", "III", "IV") else 9)

    def copy_text(citation: dict) -> str:
        """The citation with its quote in both languages (authentic English first, as in the panel);
        a provision with one version (commentary) keeps its one quote."""
        head = f"{citation['label']} ({citation.get('title', '')})"
        quotes = citation.get("quotes") or {}
        if not quotes.get("en") or not quotes.get("uk"):
            return f"{head}: «{citation['quote']}»"
        return "\n".join([head, *(f"{name}: «{quotes[code]}»" for code, name in COLUMN_LABELS)])

    def open_chunk(chunk_id: str | None, lang: str, cited: bool = True, subparagraph: str | None = None):
        """The article (or commentary page or section) around `chunk_id`; only a citation (cited=True)
        highlights a paragraph (and its cited sub-paragraph) in both languages."""
        index = live.current.index
        if not chunk_id or chunk_id not in index.row_of:
            return _hint(lang), gr.update(choices=[], value=None)
        chunk = index.chunks[index.row_of[chunk_id]]
        return (provision_html(index, chunk_id, lang, highlight=cited, subparagraph=subparagraph),
                gr.update(choices=related_provisions(index, chunk, lang), value=None))

    def relabel(lang: str):
        t = texts(lang)
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
                chapter_filter: list[str], source_filter: list[str] | None = None):
        assistant = live.current  # one Assistant for the whole answer, whatever an upload swaps meanwhile
        history = list(history or [])
        ui_lang = lang_choice if lang_choice in ("uk", "en") else detect_language(message or "")
        shown = message if isinstance(message, str) and len(message) <= assistant.settings.max_question_chars \
            else preview(message)
        history.append({"role": "user", "content": safe(shown or "")})
        del history[:-MAX_HISTORY_MESSAGES]
        try:
            answer = assistant.ask(message, filters=_filters(articles, chapter_filter, source_filter, assistant.index),
                                   context_article=conv.article,
                                   lang=lang_choice if lang_choice in ("uk", "en") else None)
        except Exception as exc:  # noqa: BLE001 - the chat shows one clear line, never an exception's text
            history.append({"role": "assistant", "content": safe(f"{texts(ui_lang)['error']}: {_failure(exc)}")})
            yield (history, "", conv, gr.skip(), gr.skip(), gr.skip(), *relabel(ui_lang))
            return
        ui_lang = answer.language
        words = safe(answer.answer).split(" ")
        history.append({"role": "assistant", "content": ""})
        cleared = False  # the question box is emptied once: what the user types while the answer streams stays
        for end in range(STREAM_STEP, len(words), STREAM_STEP):
            history[-1] = {"role": "assistant", "content": " ".join(words[:end]) + " …"}
            yield (history, gr.skip() if cleared else "", conv, gr.skip(), gr.skip(), gr.skip(), *[gr.skip()] * 9)
            cleared = True
        history[-1] = {"role": "assistant", "content": " ".join(words)}
        citations = [c.to_json() for c in answer.citations]
        new_conv = Conversation(article=next((c["article"] for c in citations if c.get("article")), conv.article),
                                citations=citations, lang=answer.language)
        chips = gr.update(choices=[(c["label"], c["chunk_id"]) for c in citations], value=None,
                          visible=bool(citations))
        yield (history, gr.skip() if cleared else "", new_conv, chips, _sources_table(answer), gr.update(value=""),
               *relabel(ui_lang))

    def on_chip(chunk_id: str | None, conv: Conversation, lang_choice: str):
        lang = lang_choice if lang_choice in ("uk", "en") else conv.lang
        cited = next((c for c in conv.citations if c["chunk_id"] == chunk_id), None)
        panel, related = open_chunk(chunk_id, lang, subparagraph=(cited or {}).get("subparagraph"))
        return panel, related, (copy_text(cited) if cited else "")

    def on_related(chunk_id: str | None, conv: Conversation, lang_choice: str):
        """A cross-reference opens the first paragraph of the article it names, in its own act."""
        if not chunk_id:
            return gr.skip(), gr.skip()
        lang = lang_choice if lang_choice in ("uk", "en") else conv.lang
        return open_chunk(chunk_id, lang, cited=False)

    def on_toc(chunk_id: str | None, conv: Conversation, lang_choice: str):
        """Open from the dropdown, then clear it, so the same article (Article 1 too) can be picked again."""
        if not chunk_id:
            return gr.skip(), gr.skip(), gr.skip()
        lang = lang_choice if lang_choice in ("uk", "en") else conv.lang
        return (*open_chunk(chunk_id, lang, cited=False), gr.update(value=None))

    def on_toc_list(row: int, conv: Conversation, lang_choice: str, toc_ids: list[str]):
        lang = lang_choice if lang_choice in ("uk", "en") else conv.lang
        chunk_id = toc_ids[row] if isinstance(row, int) and 0 <= row < len(toc_ids) else None
        return open_chunk(chunk_id, lang, cited=False)

    def on_lang(lang_choice: str, table, shown: str):
        lang = lang_choice if lang_choice in ("uk", "en") else "uk"
        labels = list(relabel(lang))
        labels[5] = gr.update(label=texts(lang)["sources"], value=_relabel_table(table, lang))
        hint = _hint(lang_choice) if 'class="qa-hint"' in (shown or "") else gr.skip()
        return (*labels, hint, gr.update(label=texts(lang)["toc"]))

    def new_conversation(lang_choice: str):
        lang = lang_choice if lang_choice in ("uk", "en") else "uk"
        return ([], "", Conversation(), gr.update(choices=[], value=None, visible=False),
                {"data": [], "headers": texts(lang)["columns"]}, "", _hint(lang_choice),
                gr.update(choices=[], value=None))

    def api_ask(question: str, lang: str = "", articles: str = "", chapters: str = "", sources: str = "") -> dict:
        """Answer a question; returns the same JSON contract as `qa ask --json`. `sources`: ids to search
        only (comma-separated; `convention` is the Convention)."""
        return api_answer(live.current, question, lang, articles, chapters, sources)

    t = texts("uk")
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
                    source_filter = gr.CheckboxGroup(choices=filter_choices([]), label=t["filter_sources"]
                                                     + " / Only sources", elem_id="qa-filter-sources")
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
                    toc_ids = gr.State([chunk_id for _, chunk_id in toc_choices])  # what this page's list shows

        with gr.Tab("Квіз · Quiz", elem_id="qa-tab-quiz"):
            quiz_tab(index, chapters)

        def after_change(listed) -> tuple:
            """A source added or removed: the source filter and the contents (a new act's articles) follow."""
            entries = toc(live.current.index)
            return (gr.update(choices=filter_choices(listed), value=[]), gr.update(choices=entries, value=None),
                    gr.Dataset(samples=[[entry] for entry, _ in entries], samples_per_page=len(entries) or 1),
                    [chunk_id for _, chunk_id in entries])

        with gr.Tab("Джерела · Sources", elem_id="qa-tab-sources"):
            *sources_outputs, refreshed = sources_tab(live, [source_filter, open_article, toc_list, toc_ids], after_change)

        relabel_outputs = [chatbot, question, send, new, chips, sources, copy_box, related, open_article]
        outputs = [chatbot, question, conv, chips, sources, copy_box, *relabel_outputs]
        inputs = [question, chatbot, conv, ui_lang, article_filter, chapter_filter, source_filter]
        send.click(respond, inputs, outputs, api_visibility="private")
        question.submit(respond, inputs, outputs, api_visibility="private")
        chips.select(on_chip, [chips, conv, ui_lang], [panel, related, copy_box], api_visibility="private")
        related.select(on_related, [related, conv, ui_lang], [panel, related], api_visibility="private")
        open_article.input(on_toc, [open_article, conv, ui_lang], [panel, related, open_article],
                           api_visibility="private")
        toc_list.click(on_toc_list, [toc_list, conv, ui_lang, toc_ids], [panel, related], api_visibility="private")
        # an example is a question to ask, not only text to put in the box
        examples.load_input_event.then(respond, inputs, outputs, api_visibility="private")
        ui_lang.change(on_lang, [ui_lang, sources, panel], [*relabel_outputs, panel, toc_list],
                       api_visibility="private")
        new.click(new_conversation, [ui_lang], [chatbot, question, conv, chips, sources, copy_box, panel, related],
                  api_visibility="private")
        gr.api(api_ask, api_name="ask")
        # a page opened after an upload elsewhere shows today's sources, filter and contents
        app.load(refreshed, None,
                 [*sources_outputs, source_filter, open_article, toc_list, toc_ids], api_visibility="private")
    return app


