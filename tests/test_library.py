"""What the CLI and the chat's sources tab share (qa.indexing.library), the live Assistant the server swaps
after a change, the source filter, and the provision panel opening a commentary paragraph: real files made
in the test, a real mini-corpus index built in the test (never the repository's index/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.errors import QAError
from qa.indexing.index import current_build
from qa.indexing.library import (
    ingest_files,
    listed_sources,
    removal_message,
    remove_source,
)
from qa.retrieval.filters import Filters, parse_sources
from tests import source_files as files

DELTA = "До якого оператора був запит щодо журналів доступу за квітень?"
BETA = "Від якого оператора сторона отримує дані протягом сорока восьми годин?"


@pytest.fixture()
def cp1251_file(tmp_path) -> Path:
    path = tmp_path / "notes-cp1251.txt"
    path.write_bytes(files.CP1251_TEXT.encode("cp1251"))
    return path


@pytest.fixture()
def live(mini_settings):
    from qa.answering.pipeline import Assistant
    from qa.surfaces.web_sources import LiveAssistant

    return LiveAssistant(Assistant(mini_settings))


def test_ingest_list_remove_report_each_file_and_keep_the_registry_and_index_in_step(live, mini_settings,
                                                                                      cp1251_file, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    heard: list[str] = []
    report = ingest_files(mini_settings, [cp1251_file, empty], kind="commentary", on_error=heard.append)
    assert [o.state for o in report.outcomes] == ["added", "error"] and report.failures == 1 and report.changed
    assert heard == [report.outcomes[1].message] and heard[0].startswith("empty.txt: ")
    added = report.outcomes[0]
    assert added.chunk_count == 3 and "cp1251" in added.message and added.to_json()["source"]["id"] == added.record.id
    listed = listed_sources(mini_settings)
    assert [(s.record.id, s.chunk_count) for s in listed] == [(added.record.id, 3)]
    again = ingest_files(mini_settings, [cp1251_file])
    assert [o.state for o in again.outcomes] == ["unchanged"] and not again.changed
    assert "already registered" in again.outcomes[0].message
    record, sync = remove_source(mini_settings, added.record.id)
    assert sync.chunks_removed == 3 and removal_message(record, sync).startswith(f"removed {record.id}: ")
    assert listed_sources(mini_settings) == []
    with pytest.raises(QAError, match="no source with id 'nope'"):
        remove_source(mini_settings, "nope")
    with pytest.raises(QAError, match="one file"):
        ingest_files(mini_settings, [cp1251_file, empty], title="Two")


def test_a_failing_sync_forgets_what_the_call_registered(live, mini_settings, cp1251_file, monkeypatch):
    from qa.indexing import library

    before = current_build(mini_settings.index_dir)
    assert before is not None

    def broken(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(library, "sync_sources", broken)
    with pytest.raises(OSError):
        ingest_files(mini_settings, [cp1251_file])
    assert listed_sources(mini_settings) == [] and current_build(mini_settings.index_dir) == before


def test_live_assistant_answers_from_the_new_index_and_leaves_the_old_one_whole(live, mini_settings, cp1251_file):
    old = live.current
    report = live.change(lambda: ingest_files(mini_settings, [cp1251_file]))
    new = live.current
    assert new is not old and new.index.path == current_build(mini_settings.index_dir) != old.index.path
    assert not any("оператора Дельта" in c.text for c in old.index.chunks)  # a request on it finishes as it began
    first = new.ask(DELTA).citations[0]
    assert first.chunk_id.startswith(report.outcomes[0].record.id) and "оператора Дельта" in first.quote
    live.change(lambda: ingest_files(mini_settings, [cp1251_file]))  # nothing changed: nothing reloaded
    assert live.current is new
    with pytest.raises(QAError):
        live.change(lambda: remove_source(mini_settings, "nope"))
    assert live.current is new
    live.change(lambda: remove_source(mini_settings, report.outcomes[0].record.id))
    assert live.current is not new and not any("оператора Дельта" in c.text for c in live.current.index.chunks)


def test_source_filter_restricts_answers_to_the_chosen_sources(live, mini_settings, cp1251_file):
    from qa.surfaces.web_app import api_answer

    source_id = live.change(lambda: ingest_files(mini_settings, [cp1251_file])).outcomes[0].record.id
    known = {c.source for c in live.current.index.chunks}
    assert parse_sources(f" convention , {source_id}", known) == {"convention", source_id}
    assert parse_sources([source_id], known) == {source_id} and parse_sources("", known) == frozenset()
    for bad, message in [("nope", "'nope' is not a source"), ({"a": 1}, "must be text"), ([1], "list of source ids")]:
        with pytest.raises(QAError, match=message):
            parse_sources(bad, known)
    only = live.current.ask(DELTA, filters=Filters(sources=frozenset({source_id})))
    assert only.retrieved and all(h.chunk.source == source_id for h in only.retrieved)
    convention = api_answer(live.current, DELTA, sources="convention")
    assert all(r["source"] == "convention" for r in convention["retrieved"])
    assert "error" in api_answer(live.current, DELTA, sources="nope")


def test_panel_opens_a_pdf_commentary_paragraph_on_its_page_highlighted(live, mini_settings, tmp_path):
    from qa.surfaces.provision_view import provision_html

    pdf = files.write_pdf(tmp_path / "commentary.pdf", title="Коментар до статті 16")
    live.change(lambda: ingest_files(mini_settings, [pdf], kind="commentary"))
    assistant = live.current
    cited = assistant.ask(BETA).citations[0]
    assert cited.page == 2 and "оператора Бета" in cited.quote
    shown = provision_html(assistant.index, cited.chunk_id, "uk")
    assert "<h3>Коментар: Коментар до статті 16</h3>" in shown and '<p class="qa-path">с. 2' in shown
    assert shown.count("<mark>") == 1 and "оператора Бета" in shown.split("<mark>")[1].split("</mark>")[0]
    assert "Часткове розкриття" in shown and "Термінове збереження" not in shown  # page 2 only, not page 1
    english = provision_html(assistant.index, cited.chunk_id, "en", highlight=False)
    assert "<h3>Commentary: " in english and '<p class="qa-path">p. 2' in english and "<mark>" not in english


def test_live_assistant_follows_an_ingest_made_outside_the_server(live, mini_settings, cp1251_file):
    old = live.current
    ingest_files(mini_settings, [cp1251_file])  # as `qa ingest` would, while the server runs
    assert live.current is old
    live.follow()
    assert live.current is not old and any("оператора Дельта" in c.text for c in live.current.index.chunks)
