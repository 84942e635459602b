"""The chat's sources tab for real: a live server over a COPY of the session's index (never the
repository's index/), Debian's Chromium through Playwright. A lawyer uploads a PDF made in the test,
asks what only it answers, opens the citation on its page, filters by it, removes it."""

from __future__ import annotations

import pytest

from tests import source_files as files
from tests import test_web_app as web
from tests.test_ingest import copy_index
from tests.test_web_app import ARTIFACTS, _ask, _start

browser, page = web.browser, web.page  # the same Chromium fixtures as the chat's browser tests

pytestmark = pytest.mark.slow

BETA = "Від якого оператора сторона отримує дані протягом сорока восьми годин?"


@pytest.fixture(scope="module")
def sources_server(real_settings, real_index, tmp_path_factory):
    from qa.answering.pipeline import Assistant
    from qa.config import load_settings

    index_dir = copy_index(real_settings.index_dir, tmp_path_factory.mktemp("ui-sources") / "index")
    settings = load_settings(environ={}, index_dir=index_dir, corpus_dir=real_settings.corpus_dir)
    app, url = _start(Assistant(settings))
    yield url
    app.close()


def _upload(page, path, kind: str = "commentary") -> str:
    """Put the file in the upload control, press Add, and return the result line once it changes."""
    before = page.locator("#qa-sources-result textarea").input_value()
    page.locator("#qa-upload input[type=file]").set_input_files(str(path))
    page.locator("#qa-upload", has_text=path.name).wait_for(timeout=30_000)
    page.locator("#qa-upload-kind").get_by_text(kind).click()
    page.locator("#qa-upload-add").click()
    page.wait_for_function("b => document.querySelector('#qa-sources-result textarea').value !== b", arg=before,
                           timeout=120_000)
    return page.locator("#qa-sources-result textarea").input_value()


def test_upload_ask_open_filter_and_remove_a_source(sources_server, page, tmp_path):
    pdf = files.write_pdf(tmp_path / "commentary.pdf", title="Коментар до статті 16")
    from gradio_client import Client

    client = Client(sources_server, verbose=False)
    before = client.predict(BETA, api_name="/ask")  # before the upload nothing cites the operator
    assert not any("оператора Бета" in c["quote"] for c in before["citations"])
    page.goto(sources_server)

    page.get_by_role("tab", name="Джерела · Sources").click()
    page.locator("#qa-upload-add").click()  # no file chosen: said so, nothing else changes
    page.wait_for_function("document.querySelector('#qa-sources-result textarea').value.includes('choose a file')")
    result = _upload(page, pdf)
    assert result.startswith("added ") and "Коментар до статті 16 (commentary, pdf" in result, result
    assert "chunk(s) indexed" in result
    source_id = result.split()[1].rstrip(":")
    listed = page.locator("#qa-sources-list")
    page.wait_for_function(f"document.querySelector('#qa-sources-list').innerText.includes('{source_id}')",
                           timeout=10_000)
    text = listed.inner_text()
    assert text.count(source_id) == 1 and "Коментар до статті 16" in text and "pdf" in text and "commentary" in text

    # the same file again: nothing changes, and it says so
    assert "already registered as " + source_id in _upload(page, pdf)
    assert page.locator("#qa-sources-list").inner_text().count(source_id) == 1
    bad = tmp_path / "empty.pdf"
    bad.write_bytes(b"")
    assert _upload(page, bad).startswith("error: empty.pdf: ")

    only = client.predict(BETA, "", "", "", source_id, api_name="/ask")  # the API's source filter
    assert only["citations"] and all(r["source"] == source_id for r in only["retrieved"])
    assert "оператора Бета" in only["citations"][0]["quote"] and only["citations"][0]["page"] == 2

    # the running chat answers from the new index: the chip carries the page, the panel opens on it
    page.get_by_role("tab", name="Чат · Chat").click()
    _ask(page, BETA)
    chip = page.locator("#qa-chips label", has_text="с. 2, абз. 2")
    chip.wait_for(timeout=60_000)
    assert chip.inner_text().strip().startswith("Коментар: Коментар до статті 16")
    chip.click()
    page.locator("#qa-provision mark").first.wait_for(timeout=10_000)
    assert page.locator("#qa-provision h3").inner_text() == "Коментар: Коментар до статті 16"
    assert "оператора Бета" in page.locator("#qa-provision .qa-cited mark").inner_text()
    assert page.locator("#qa-provision .qa-path").inner_text().startswith("с. 2")
    assert "с. 2, абз. 2" in page.locator("#qa-copy textarea").input_value()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "sources-commentary.png"), full_page=True)

    # the source filter lists the Convention and the new source; the Convention alone does not cite it
    page.get_by_text("Фільтри · Filters").click()
    filters = page.locator("#qa-filter-sources")
    page.wait_for_function("document.querySelector('#qa-filter-sources').innerText.includes('Коментар до статті 16')",
                           timeout=10_000)
    filters.get_by_text("Конвенція · Convention").click()
    _ask(page, BETA)
    page.wait_for_function("!(document.querySelector('#qa-chips')?.innerText || '').includes('с. 2, абз. 2')",
                           timeout=60_000)
    page.wait_for_function("document.querySelectorAll('#qa-chat .message').length >= 6", timeout=60_000)

    page.get_by_role("tab", name="Джерела · Sources").click()
    page.locator("#qa-remove-pick input").click()
    page.get_by_role("option", name=f"{source_id} · Коментар до статті 16").click()
    page.locator("#qa-remove").click()
    page.locator("#qa-sources-result textarea").wait_for(timeout=10_000)
    page.wait_for_function("document.querySelector('#qa-sources-result textarea').value.startsWith('removed ')",
                           timeout=120_000)
    assert source_id in page.locator("#qa-sources-result textarea").input_value()
    page.wait_for_function(f"!document.querySelector('#qa-sources-list').innerText.includes('{source_id}')",
                           timeout=10_000)
    assert "Коментар до статті 16" not in page.locator("#qa-sources-list").inner_text()
    assert page.locator("#qa-filter-sources").get_by_text("Коментар до статті 16").count() == 0
    assert page.hosts <= {sources_server.split("/")[2]}, page.hosts  # nothing left the machine
