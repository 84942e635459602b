"""The question → cited answer path over the real corpus and a real index."""

import pytest

from qa.citations import quote_is_verbatim
from qa.errors import InvalidQuestion
from qa.retrieval import Filters


def test_article_16_2_by_reference(assistant):
    answer = assistant.ask("What does Article 16(2) say?")
    assert not answer.abstained
    first = answer.citations[0]
    assert (first.article, first.paragraph, first.label) == ("16", "2", "Article 16(2)")
    assert "ninety days" in first.quote  # the authentic English text for an English question
    assert "90 днів" in dict(first.quotes)["uk"]
    assert first.title == "Expedited preservation of stored computer data"
    assert "[1]" in answer.answer


def test_illegal_access_in_ukrainian(assistant):
    answer = assistant.ask("Що таке незаконний доступ?")
    assert answer.language == "uk"
    assert answer.citations[0].article == "2" and answer.citations[0].label == "ст. 2"
    assert "без права на це" in answer.citations[0].quote


def test_english_question_gets_english_labels_and_titles(assistant):
    answer = assistant.ask("Can a company be liable for a hack by its director?")
    first = answer.citations[0]
    assert first.article == "12" and first.label.startswith("Article 12")
    assert first.title == "Corporate liability"


def test_subparagraph_citation_for_a_definition(assistant):
    answer = assistant.ask("Що таке дані про рух інформації?")
    first = answer.citations[0]
    assert (first.article, first.subparagraph, first.label) == ("1", "d", "пп. d ст. 1")


def test_every_quote_is_verbatim_and_retrieved(assistant):
    for q in ["Яке мінімальне покарання для екстрадиції?", "What is the 24/7 network?",
              "Коли Україна ратифікувала Конвенцію?", "What does the commentary say about regionalisation?"]:
        answer = assistant.ask(q)
        retrieved = {h.chunk.chunk_id: h.chunk for h in answer.retrieved}
        assert answer.citations, q
        for c in answer.citations:
            assert c.chunk_id in retrieved
            chunk = retrieved[c.chunk_id]
            assert quote_is_verbatim(c.quote, chunk.text_en if answer.language == "en" and chunk.text_en else chunk.text)
            for lang, quote in c.quotes:
                assert quote_is_verbatim(quote, chunk.text_en if lang == "en" else chunk.text), (q, lang)


def test_header_answers_ratification_questions(assistant):
    answer = assistant.ask("Коли Україна ратифікувала Конвенцію?")
    assert answer.citations[0].part == "header"
    assert answer.citations[0].label == "Відомості про документ"


@pytest.mark.parametrize("question", ["What is the capital of France?", "Як приготувати український борщ?",
                                      "What does the GDPR say about breach notification deadlines?"])
def test_abstains_when_the_corpus_does_not_answer(assistant, question):
    answer = assistant.ask(question)
    assert answer.abstained and answer.citations == []
    assert answer.see_also and all(s.chunk_id for s in answer.see_also)
    assert answer.reason.startswith(("off-topic", "outside the corpus"))
    assert "corpus" in answer.answer or "корпус" in answer.answer


def test_reference_to_a_missing_provision_abstains(assistant):
    answer = assistant.ask("What does Article 60 say?")
    assert answer.abstained and "Article 60" in answer.answer
    answer = assistant.ask("п. 9 ст. 16")
    assert answer.abstained and "п. 9 ст. 16" in answer.answer


def test_filters_restrict_retrieval(assistant):
    answer = assistant.ask("перехоплення", filters=Filters(articles=frozenset({"21"})))
    assert {h.chunk.article for h in answer.retrieved} == {"21"}
    answer = assistant.ask("data preservation", filters=Filters(chapters=frozenset({"III"})))
    assert all(h.chunk.path[0].startswith("Розділ III") for h in answer.retrieved)


def test_follow_up_resolves_against_the_article_under_discussion(assistant):
    answer = assistant.ask("а пункт 3?", context_article="16")
    assert answer.citations[0].chunk_id == "convention:art16:3"


def test_json_contract_fields(assistant):
    data = assistant.ask("Article 29(7)", qid="x1").to_json()
    assert data["id"] == "x1" and data["language"] == "en" and data["abstained"] is False
    c = data["citations"][0]
    assert set(c) >= {"marker", "source", "article", "paragraph", "subparagraph", "label", "chunk_id", "quote"}
    assert (c["source"], c["article"], c["paragraph"], c["label"]) == ("convention", "29", "7", "Article 29(7)")
    r = data["retrieved"][0]
    assert set(r) >= {"chunk_id", "source", "article", "paragraph", "score"}
    assert set(data["timings_ms"]) == {"retrieve", "answer", "total"}


@pytest.mark.parametrize("bad", ["", "   \n\t ", "x" * 100_000, "abc\x00def", "what\x07is", "?!...", 42])
def test_bad_questions_are_rejected_clearly(assistant, bad):
    with pytest.raises(InvalidQuestion):
        assistant.ask(bad)
