"""The chat UI for real: a live server on a free local port, its API through gradio_client, and
Debian's Chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import free_port

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"  # shown in the README
MALICIOUS = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
MARKDOWN_IMAGE = "![x](http://127.0.0.1:7899/md-img.png)"


def _start(assistant):
    from qa.surfaces.web_server import serve

    port = free_port()
    return serve(assistant, port=port, block=False), f"http://127.0.0.1:{port}/"


@pytest.fixture(scope="module")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is not installed (scripts/test.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                              args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                    "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield b
        b.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.hosts = set()
    page.on("request", lambda r: page.hosts.add(r.url.split("/")[2]))
    yield page
    context.close()


def _ask(page, question: str) -> None:
    page.locator("#qa-question textarea").fill(question)
    page.locator("#qa-send").click()


def _open_chip(page, text: str) -> None:
    """Wait for the citation chip, click it, wait for the highlighted provision."""
    chip = page.locator("#qa-chips label", has_text=text)
    chip.wait_for(timeout=30_000)
    chip.click()
    page.locator("#qa-provision mark").first.wait_for(timeout=10_000)


def _strip(answer: dict) -> dict:
    return {"citations": [(c["chunk_id"], c["label"], c["quote"]) for c in answer["citations"]],
            "abstained": answer["abstained"], "retrieved": [r["chunk_id"] for r in answer["retrieved"]]}


def test_api_matches_cli_json(server, real_settings):
    from gradio_client import Client

    client = Client(server, verbose=False)
    questions = ["What does Article 16(2) say?", "Що таке незаконний доступ?", "What is the capital of France?"]
    env = dict(os.environ, QA_INDEX_DIR=str(real_settings.index_dir), QA_CORPUS_DIR=str(real_settings.corpus_dir))
    batch = "".join(json.dumps({"id": str(n), "question": q}, ensure_ascii=False) + "\n" for n, q in enumerate(questions))
    out = subprocess.run([sys.executable, "-m", "qa", "ask", "--json", "--file", "-"], env=env, input=batch,
                         capture_output=True, text=True, check=True).stdout  # one process: one model load
    for q, line in zip(questions, out.splitlines(), strict=True):
        api = client.predict(q, api_name="/ask")
        cli = json.loads(line)
        assert _strip(api) == _strip(cli), q
        assert set(api) >= {"question", "language", "answer", "abstained", "citations", "retrieved", "timings_ms"}
    bad = client.predict("   ", api_name="/ask")
    assert "empty" in bad["error"]


def test_concurrent_sessions_get_the_answers_a_lone_session_gets(server, assistant):
    """Queries are embedded concurrently without a lock: eight sessions at once must see exactly what
    the assistant answers one question at a time."""
    from concurrent.futures import ThreadPoolExecutor

    from gradio_client import Client

    questions = ["What is illegal access?", "Що таке перехоплення даних?", "Who may request expedited preservation?",
                 "Чи відповідає юридична особа за злочин керівника?", "What is a service provider?",
                 "Яка процедура денонсації Конвенції?", "What does Article 29 require?", "Що таке дані про рух?"]
    expected = {q: _strip(assistant.ask(q).to_json()) for q in questions}

    def session(offset: int) -> list[tuple[str, dict]]:
        client = Client(server, verbose=False)
        order = questions[offset:] + questions[:offset]
        return [(q, _strip(client.predict(q, api_name="/ask"))) for q in order]

    with ThreadPoolExecutor(8) as pool:
        results = [pair for batch in pool.map(session, range(8)) for pair in batch]
    assert len(results) == 64
    for q, got in results:
        assert got == expected[q], q


def test_served_queue_follows_settings_and_keeps_per_request_bookkeeping_bounded(assistant):
    """The knobs `qa serve` sets on Gradio's queue: if a Gradio upgrade renames them, this says so."""
    from dataclasses import replace

    from qa.answering.pipeline import Assistant

    narrow = Assistant(replace(assistant.settings, serve_concurrency=3), index=assistant.index,
                       retriever=assistant.retriever)
    app, _ = _start(narrow)
    try:
        assert app._queue.default_concurrency_limit == 3
        assert app._queue.ANAYLTICS_CACHE_FREQUENCY == 100 and app._queue.ANALYTICS_MAX_EVENTS == 1000
        assert app._queue.sleep_when_free == 0.005 and app._queue.progress_update_sleep_when_free == 0.05
    finally:
        app.close()


def test_chat_chip_opens_highlighted_article(server, page):
    page.goto(server)
    _ask(page, "What does Article 16(2) say?")
    chip = page.locator("#qa-chips label", has_text="Article 16(2)")
    chip.wait_for(timeout=30_000)
    assert "[1]" in page.locator("#qa-chat").inner_text()
    chip.click()
    page.locator("#qa-provision mark").first.wait_for(timeout=10_000)
    assert page.locator("#qa-provision h3").inner_text().startswith("Стаття 16")
    assert "90 днів" in page.locator("#qa-provision .qa-cited[lang=uk]").inner_text()
    assert "ninety days" in page.locator("#qa-provision .qa-cited[lang=en]").inner_text()
    assert page.locator("#qa-provision .qa-para[lang=uk]").count() == 4
    assert "Article 16(2)" in page.locator("#qa-copy textarea").input_value()
    # the interface follows the question language
    assert page.get_by_text("Cited provisions (click to open)").count() == 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chat-en.png"), full_page=True)
    # cross-references of the opened article are one click away
    related = page.locator("#qa-related label", has_text="Article 14")
    related.click()
    page.wait_for_function("document.querySelector('#qa-provision h3').innerText.startsWith('Стаття 14')")
    assert page.hosts <= {server.split("/")[2]}, page.hosts  # nothing left the machine


def test_follow_up_and_ukrainian_interface(server, page):
    page.goto(server)
    _ask(page, "Що передбачає ст. 29?")
    page.locator("#qa-chips label").first.wait_for(timeout=30_000)
    assert page.get_by_text("Цитовані положення (натисніть, щоб відкрити)").count() == 1
    _ask(page, "а пункт 7?")
    _open_chip(page, "п. 7 ст. 29")
    assert "60 днів" in page.locator("#qa-provision .qa-cited[lang=uk]").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chat-uk.png"), full_page=True)
    page.locator("#qa-new").click()
    page.wait_for_function("!document.querySelector('#qa-chat').innerText.includes('60 днів')")


def test_database_codes_link_to_the_legislation_database(server, page):
    page.goto(server)
    _ask(page, "Які умови і запобіжні заходи встановлює ст. 15?")
    page.locator("#qa-chips label").first.wait_for(timeout=30_000)
    page.locator("#qa-chips label").first.click()
    link = page.locator("#qa-provision a.act-link", has_text="995_004").first
    link.wait_for(timeout=10_000)
    assert link.get_attribute("href") == "https://zakon.rada.gov.ua/laws/show/995_004"


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    from qa.answering.pipeline import Assistant
    from qa.config import load_settings

    from .conftest import MINI_CONVENTION

    corpus = tmp_path_factory.mktemp("hostile-corpus")
    (corpus / "convention.txt").write_text(
        MINI_CONVENTION.replace("без права на це.", f"без права на це. {MALICIOUS} {MARKDOWN_IMAGE}"), encoding="utf-8")
    settings = load_settings(environ={}, corpus_dir=corpus, index_dir=tmp_path_factory.mktemp("hostile-index"))
    app, url = _start(Assistant(settings))
    yield url
    app.close()


def test_script_in_question_and_corpus_is_inert(hostile_server, page):
    page.goto(hostile_server)
    _ask(page, f"Поясни {MALICIOUS}")
    page.locator("#qa-chat", has_text="<script>window.__pwned = 1</script>").wait_for(timeout=30_000)
    _ask(page, "Що таке незаконний доступ?")
    _open_chip(page, "ст. 2")
    assert "<script>window.__pwned = 1</script>" in page.locator("#qa-provision").inner_text()
    assert "<script>window.__pwned = 1</script>" in page.locator("#qa-chat").inner_text()
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#qa-provision script, #qa-provision img, #qa-chat img[src='x']").count() == 0
    # Markdown from the corpus is shown as text: no image, no request for it
    assert MARKDOWN_IMAGE in page.locator("#qa-chat").inner_text()
    assert page.locator("#qa-chat img[src*='md-img']").count() == 0
    assert page.hosts <= {hostile_server.split("/")[2]}, page.hosts


def test_unused_routes_are_closed_and_large_bodies_refused(server):
    import urllib.error
    import urllib.request

    def status(path: str, data: bytes | None = None, headers: dict | None = None) -> int:
        request = urllib.request.Request(server + path, data=data, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    boundary = "qa13"
    upload = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"x.txt\"\r\n\r\n"
              f"hello\r\n--{boundary}--\r\n").encode()
    form = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    # uploads are open for the sources tab, up to the readers' 50 MB, refused above before a byte is read
    assert status("gradio_api/upload", upload, form) == 200
    assert status("gradio_api/upload", upload, {**form, "Content-Length": str(60 * 1024 * 1024)}) == 413
    assert status("monitoring/summary") == 404 and status("monitoring") == 404
    assert status("gradio_api/queue/join", b"x" * 300_000, {"Content-Type": "application/json"}) == 413
    assert status("config") == 200 and status("gradio_api/info") == 200


def test_api_refuses_bad_payloads_with_structured_errors(server):
    from gradio_client import Client

    client = Client(server, verbose=False)
    for args, message in [(("What is illegal access?", "", {"a": 1}), "articles filter"),
                          (("What is illegal access?", "", "1-99999999999"), "outside"),
                          (("x" * 5000,), "limit")]:
        result = client.predict(*args, api_name="/ask")
        assert set(result) == {"question", "error"} and message in result["error"], result
        assert len(result["question"] or "") <= 201


def test_quiz_tab_hides_the_key_until_asked_and_names_downloads(server, page):
    """A trainer previewing on a projector must not show the answers; downloads say what was asked."""
    page.goto(server)
    page.get_by_role("tab", name="Квіз · Quiz").click()
    page.locator("#quiz-articles textarea").fill("14-22")
    page.locator("#quiz-lang").get_by_text("English").click()
    page.locator("#quiz-count input[type=number]").fill("20")
    page.locator("#quiz-generate").click()
    page.locator("#quiz-preview", has_text="20. [").wait_for(timeout=30_000)
    preview = page.locator("#quiz-preview").inner_text()
    assert "✓" not in preview and "→" not in preview and "Key:" not in preview
    assert "dropped while validating: {" not in preview and "{" not in preview.split("20. [")[-1]
    assert "[tf]" in preview and "[matching]" in preview
    links = page.locator("#quiz-files a")
    links.first.wait_for(timeout=10_000)
    names = sorted(links.nth(i).get_attribute("href").rsplit("/", 1)[-1] for i in range(links.count()))
    assert [n.rsplit(".", 1)[-1] for n in names] == ["csv", "gift", "json", "txt"], names
    assert all(n.startswith("quiz-en-art14-22-which-cloze-tf-matching-medium-n20-seed7.") for n in names), names
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "quiz-no-key.png"), full_page=True)
    page.locator("#quiz-key").get_by_text("Show answer key").click()
    page.locator("#quiz-preview", has_text="✓").wait_for(timeout=10_000)
    keyed = page.locator("#quiz-preview").inner_text()
    assert "Key: Article" in keyed and "→" in keyed


def test_contents_open_any_article_without_a_cited_highlight(server, page):
    """Contents entries open their article (Article 1 too, which the dropdown used to preselect), and an
    article opened from the contents is not highlighted as if an answer had cited it."""
    page.goto(server)
    page.locator("#qa-toc-box").get_by_text("Table of contents").first.click()
    page.locator("#qa-toc-list").get_by_text("ст. 16 –").first.click()
    page.wait_for_function("document.querySelector('#qa-provision h3')?.innerText.startsWith('Стаття 16')")
    assert page.locator("#qa-provision .qa-para[lang=uk]").count() == 4
    assert page.locator("#qa-provision .qa-para[lang=en]").count() == 4
    assert page.locator("#qa-provision mark, #qa-provision .qa-cited").count() == 0
    page.locator("#qa-toc input").click()
    page.get_by_role("option", name="ст. 1 –").first.click()
    page.wait_for_function("document.querySelector('#qa-provision h3')?.innerText.startsWith('Стаття 1 ')")
    assert page.locator("#qa-provision mark").count() == 0
    related = page.locator("#qa-related label").first  # a cross-reference opens unhighlighted too
    if related.count():
        related.click()
        page.wait_for_function("!document.querySelector('#qa-provision h3')?.innerText.startsWith('Стаття 1 ')")
        assert page.locator("#qa-provision mark").count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "contents.png"), full_page=True)


def test_example_asks_and_labels_follow_the_language(server, page):
    """Clicking an example asks it; switching the interface language relabels the sources table's
    columns and the panel's hint too; Score and Cited stay on screen next to long titles."""
    page.goto(server)
    page.locator("#qa-examples").get_by_text("What does Article 29(7) say?").click()
    page.locator("#qa-chips label", has_text="Article 29(7)").wait_for(timeout=30_000)
    headers = page.locator("#qa-sources thead th")
    assert "Cited" in page.locator("#qa-sources thead").inner_text()
    box = page.locator("#qa-sources").bounding_box()
    for i in range(headers.count()):
        cell = headers.nth(i).bounding_box()
        assert cell["x"] + cell["width"] <= box["x"] + box["width"] + 1, headers.nth(i).inner_text()
    assert "Click a citation" in page.locator("#qa-provision").inner_text()  # "auto": the hint in both
    page.locator("#qa-lang").get_by_text("українська").click()
    page.locator("#qa-sources thead", has_text="Цитовано").wait_for(timeout=10_000)
    assert "Cited" not in page.locator("#qa-sources thead").inner_text()
    assert "Знайдені фрагменти" in page.locator("#qa-sources").inner_text()
    page.wait_for_function("!document.querySelector('#qa-provision').innerText.includes('Click a citation')")
    assert "Натисніть на цитату" in page.locator("#qa-provision").inner_text()
    page.locator("#qa-lang").get_by_text("English").click()
    page.wait_for_function("!document.querySelector('#qa-provision').innerText.includes('Натисніть')")
    assert "Click a citation" in page.locator("#qa-provision").inner_text()
    assert "Provision" in page.locator("#qa-sources thead").inner_text()


def test_language_switch_sets_the_answer_language_only(server):
    """The UI's first example, a Ukrainian question, asked with the English switch: answered in English
    (not declined), citing the same provision first as with the Ukrainian switch, quoting the English text."""
    from gradio_client import Client

    from qa.surfaces.web_text import EXAMPLES

    client = Client(server, verbose=False)
    uk = client.predict(EXAMPLES[0], "uk", api_name="/ask")
    en = client.predict(EXAMPLES[0], "en", api_name="/ask")
    assert not uk["abstained"] and not en["abstained"]
    assert (uk["language"], en["language"]) == ("uk", "en")
    assert en["citations"][0]["chunk_id"] == uk["citations"][0]["chunk_id"] == "convention:art2"
    assert en["citations"][0]["quote"] == en["citations"][0]["quotes"]["en"]
    assert uk["citations"][0]["quotes"] == en["citations"][0]["quotes"]


def test_side_by_side_panel_highlights_the_cited_paragraph_in_both_texts(server, page, assistant):
    """With the English switch, the first (Ukrainian) example is answered in English with the citation
    the Ukrainian switch gives; its chip opens the article with the authentic English beside the
    Ukrainian, the cited paragraph marked in both, and the copy box holds the quote in both languages."""
    from qa.answering.citations import label
    from qa.surfaces.web_text import EXAMPLES

    first = assistant.ask(EXAMPLES[0], lang="uk").citations[0]
    expected = label(assistant.index.chunks[assistant.index.row_of[first.chunk_id]], "en", first.subparagraph)
    page.goto(server)
    page.locator("#qa-lang").get_by_text("English").click()
    page.locator("#qa-examples").get_by_text(EXAMPLES[0]).click()
    chip = page.locator("#qa-chips label").first
    chip.wait_for(timeout=30_000)
    assert chip.inner_text().strip() == expected == "Article 2"
    chip.click()
    page.locator("#qa-provision mark").first.wait_for(timeout=10_000)
    heads = page.locator("#qa-provision .qa-col-head")
    assert [heads.nth(i).inner_text().split("\n")[0] for i in range(heads.count())] == [
        "English (authentic)", "Українська (офіційний переклад)"]
    assert "without right" in page.locator("#qa-provision .qa-cited[lang=en] mark").inner_text()
    assert "без права на це" in page.locator("#qa-provision .qa-cited[lang=uk] mark").inner_text()
    copy = page.locator("#qa-copy textarea").input_value()
    assert "English (authentic): «Each Party shall adopt" in copy and "Українська (офіційний переклад): «Кожна" in copy
    # a longer article: paragraph beside paragraph, the cited one marked in both columns
    _ask(page, "What does Article 16(2) say?")
    page.locator("#qa-chips label", has_text="Article 16(2)").click(timeout=30_000)
    page.wait_for_function("document.querySelector('#qa-provision h3')?.innerText.startsWith('Стаття 16')")
    en, uk = (page.locator(f"#qa-provision .qa-cited[lang={code}]") for code in ("en", "uk"))
    assert "ninety days" in en.locator("mark").inner_text() and "90 днів" in uk.locator("mark").inner_text()
    assert page.locator("#qa-provision .qa-para[lang=en]").count() == 4
    left, right = en.bounding_box(), uk.bounding_box()
    assert left["x"] + left["width"] <= right["x"] and abs(left["y"] - right["y"]) < 5  # side by side, aligned
    yellow = "rgb(255, 243, 163)"  # the mark's background, in both columns
    assert en.locator("mark").evaluate("m => getComputedStyle(m).backgroundColor") == yellow
    assert uk.locator("mark").evaluate("m => getComputedStyle(m).backgroundColor") == yellow
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#qa-provision").screenshot(path=str(SCREENSHOTS / "side-by-side.png"))  # the panel, legible
    assert page.hosts <= {server.split("/")[2]}, page.hosts
