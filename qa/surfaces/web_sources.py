"""The chat's sources tab: upload a PDF, DOCX, HTML, Markdown or text file as commentary or an act, see
the registered sources, remove one; and the Assistant the whole server answers with, replaced after
each change so the chat answers from the new index at once.

The work is `qa ingest` / `qa sources`'s own (`qa.indexing.library`); this module only wires it to the
page. Changes are made one at a time (a lock), and each is followed by loading the new index into a new
Assistant that replaces the old one with one assignment: a question being answered finishes on the
index it started with, the next one gets the new index.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import gradio as gr

from ..answering.pipeline import Assistant
from ..errors import QAError
from ..indexing.index import current_build
from ..indexing.library import (
    IngestReport,
    ListedSource,
    ingest_files,
    listed_sources,
    removal_message,
    remove_source,
)
from ..sources.chunks import CONVENTION

log = logging.getLogger("qa.web_sources")
T = TypeVar("T")

UPLOAD_TYPES = [".pdf", ".docx", ".html", ".htm", ".md", ".markdown", ".txt"]
KINDS = [("коментар · commentary", "commentary"), ("акт · act", "act")]
COLUMNS = ["id", "Назва · Title", "Вид · Kind", "Формат · Format", "Фрагменти · Chunks"]
CONVENTION_CHOICE = ("Конвенція · Convention", CONVENTION)


class LiveAssistant:
    """Holds the Assistant the server answers with. Read `current` once per request and use that object
    throughout: it never changes under a request. `change` runs one source change at a time and then
    swaps in an Assistant over the build now live, if the build changed."""

    def __init__(self, assistant: Assistant) -> None:
        self.current = assistant
        self._lock = threading.Lock()

    def change(self, action: Callable[[], T]) -> T:
        with self._lock:
            try:
                return action()
            finally:  # a failed change may still have swapped the index (a repair); follow what is live
                self._follow()

    def follow(self) -> None:
        """Catch up with a change made outside this server (`qa ingest` while it runs), unless a change of
        this server's own is under way (it follows when done): a page load never waits for an upload."""
        if self._lock.acquire(blocking=False):
            try:
                self._follow()
            except Exception:  # the page still loads, answered by the index it had
                log.exception("the index changed on disk but could not be loaded; still answering from %s",
                              self.current.index.path)
            finally:
                self._lock.release()

    def _follow(self) -> None:
        live = current_build(self.current.settings.index_dir)
        if live is None or live == self.current.index.path:
            return
        fresh = self.current.reloaded()
        fresh.warm_up()  # the first question after an upload does not pay for the new index's caches
        self.current = fresh


def _progress(bar) -> Callable[[str, float], None]:
    def report(message: str, fraction: float) -> None:
        bar(fraction, desc=message)
    return report


def _failure(exc: Exception) -> str:
    if isinstance(exc, QAError):
        return f"error: {exc}"
    log.exception("unexpected failure while changing sources")
    return "error: internal error; the server log has the details"


def report_text(report: IngestReport) -> str:
    """Each file's one line, an error marked as such (the same words `qa ingest` prints)."""
    return "\n".join(f"error: {o.message}" if o.state == "error" else o.message for o in report.outcomes)


def source_rows(listed: list[ListedSource]) -> list[list]:
    return [[s.record.id, s.record.title, s.record.kind, s.record.format,
             s.chunk_count if s.chunk_count is not None else "—"] for s in listed]


def filter_choices(listed: list[ListedSource]) -> list[tuple[str, str]]:
    """The source filter: the Convention, then each registered source by its title."""
    return [CONVENTION_CHOICE] + [(f"{s.record.title} ({s.record.id})", s.record.id) for s in listed]


def sources_tab(live: LiveAssistant, extra_outputs: list, extra_values: Callable[[list[ListedSource]], tuple]):
    """Build the tab's controls (inside a gr.Tab) and wire them; after each change the list, the remove
    picker and `extra_outputs` (the chat's source filter and contents) are refreshed with
    `extra_values(listed)`. Returns (table, picker, on_load): on_load() follows a change made outside
    the server and gives the values of the list, the picker and `extra_outputs`, for the page's load event."""
    gr.Markdown("Додайте власні джерела: коментар (цитується за сторінкою або заголовком) чи акт (за статтями). "
                "· Add your own sources: commentary (cited by page or heading) or an act (by article).")
    with gr.Row():
        upload = gr.File(label="Файл · File (PDF, DOCX, HTML, Markdown, TXT; ≤ 50 MB)", file_types=UPLOAD_TYPES,
                         type="filepath", elem_id="qa-upload")
        with gr.Column():
            kind = gr.Radio(KINDS, value="commentary", label="Вид · Kind", elem_id="qa-upload-kind")
            title = gr.Textbox(label="Назва (необов’язково) · Title (optional)", elem_id="qa-upload-title")
            add = gr.Button("Додати · Add", variant="primary", elem_id="qa-upload-add")
    result = gr.Textbox(label="Результат · Result", interactive=False, lines=2, elem_id="qa-sources-result")
    table = gr.Dataframe(headers=COLUMNS, value=[], interactive=False, wrap=True, elem_id="qa-sources-list",
                         label="Джерела · Sources")
    with gr.Row():
        pick = gr.Dropdown(choices=[], value=None, label="Джерело · Source", elem_id="qa-remove-pick", scale=3)
        remove = gr.Button("Вилучити · Remove", variant="stop", elem_id="qa-remove", scale=1)

    def refreshed(listed: list[ListedSource]) -> tuple:
        choices = [(f"{s.record.id} · {s.record.title}", s.record.id) for s in listed]
        return ({"data": source_rows(listed), "headers": COLUMNS}, gr.update(choices=choices, value=None),
                *extra_values(listed))

    def on_add(path: str | None, kind_value: str, title_value: str, progress=gr.Progress()):  # noqa: B008 - Gradio's idiom
        if not path:
            return ("error: choose a file first · спершу виберіть файл", *[gr.skip()] * (4 + len(extra_outputs)))
        settings = live.current.settings
        try:
            report = live.change(lambda: ingest_files(settings, [path], title=(title_value or "").strip() or None,
                                                      kind=kind_value or None, progress=_progress(progress)))
            message = report_text(report)
        except Exception as exc:  # noqa: BLE001 - one line, never a traceback
            message = _failure(exc)
        finally:
            Path(path).unlink(missing_ok=True)  # the registry keeps its own copy; Gradio's is not served again
        return (message, gr.update(value=None), "", *refreshed(listed_sources(settings)))

    def on_remove(source_id: str | None, progress=gr.Progress()):  # noqa: B008 - Gradio's idiom
        settings = live.current.settings
        if not source_id:
            message = "error: choose a source to remove · виберіть джерело"
        else:
            try:
                message = removal_message(*live.change(lambda: remove_source(settings, source_id,
                                                                              _progress(progress))))
            except Exception as exc:  # noqa: BLE001
                message = _failure(exc)
        return (message, *refreshed(listed_sources(settings)))

    add.click(on_add, [upload, kind, title], [result, upload, title, table, pick, *extra_outputs],
              api_visibility="private", concurrency_limit=1)
    remove.click(on_remove, [pick], [result, table, pick, *extra_outputs], api_visibility="private",
                 concurrency_limit=1)
    def on_load() -> tuple:
        live.follow()
        return refreshed(listed_sources(live.current.settings))

    return table, pick, on_load
