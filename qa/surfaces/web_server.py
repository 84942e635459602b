"""Serving the chat: Gradio's queue tuned for short CPU-bound answers, and the routes it never needs closed."""

from __future__ import annotations

import re

import gradio as gr
from starlette.middleware import Middleware

from ..answering.pipeline import Assistant
from ..sources.formats import DEFAULT_MAX_BYTES
from .web_app import STATE_SESSIONS, build_app
from .web_text import CSS


def _slow_idle_polling(app: gr.Blocks) -> None:
    """Gradio's queue wakes every 1 ms (and its progress loop every 10 ms) to look for work: 7 % of a
    core on an idle server a lawyer keeps open all day, and CPU taken from answers under load. Every
    5 ms (50 ms) costs a fifth of that for at most 5 ms more before an answer starts."""
    queue = app._queue
    queue.sleep_when_free = max(queue.sleep_when_free, 0.005)
    queue.progress_update_sleep_when_free = max(queue.progress_update_sleep_when_free, 0.05)


# Routes Gradio mounts that this app never uses: the public monitoring dashboard, media streams,
# recordings, the proxy, run history, custom components and the "vibe" editor. Everything else stays
# (README: "Routes the server answers"). Uploads are open for the sources tab only, with their own limit.
UNUSED_ROUTES = re.compile(
    r"^(?:/gradio_api)?/(?:monitoring|stream|process_recording|proxy=|run-history|runs|"
    r"vibe-edit|undo-vibe-edit|vibe-code|vibe-starter-queries|custom_component|dev/reload)(?:[/{=]|$)"
)
UPLOAD_ROUTE = re.compile(r"^(?:/gradio_api)?/upload$")

MAX_BODY_BYTES = 256 * 1024  # a 2 000-character question is at most ~24 KB of JSON
# A source file is at most the readers' limit (50 MB); Gradio refuses a larger file part itself
# (max_file_size), this bounds the whole multipart body before Gradio reads it.
MAX_UPLOAD_BYTES = DEFAULT_MAX_BYTES + 64 * 1024


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
            limit = MAX_UPLOAD_BYTES if UPLOAD_ROUTE.match(scope.get("path", "")) else MAX_BODY_BYTES
            length = dict(scope.get("headers") or []).get(b"content-length", b"0")
            if not length.isdigit() or int(length) > limit:
                await _plain(send, 413, b'{"error": "request too large: a question is at most a few thousand '
                             b'characters, a source file at most 50 MB"}', b"application/json")
                return
            receive = _bounded_receive(receive, limit)  # a body sent without a length is cut off at the same size
        await self.app(scope, receive, send)


def _bounded_receive(receive, limit: int = MAX_BODY_BYTES):
    received = 0

    async def bounded():
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
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
               state_session_capacity=STATE_SESSIONS, max_file_size=DEFAULT_MAX_BYTES, enable_monitoring=False,
               app_kwargs={"middleware": [Middleware(ClosedRoutes)]})
    if block:
        app.block_thread()
    return app
