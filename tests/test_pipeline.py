"""The question → cited answer path over the real corpus and a real index."""

import pytest

from qa.answering.citations import quote_is_verbatim
from qa.errors import InvalidQuestion
from qa.retrieval.filters import Filters


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


# Issue 12: questions nobody rehearsed.

def test_murder_in_ukraine_is_declined_as_national_law(assistant):
    answer = assistant.ask("What is the penalty for murder in Ukraine?")
    assert answer.abstained and answer.citations == [] and answer.confidence is None
    assert answer.reason.startswith("outside the corpus: national law")
    assert "does not" not in answer.answer or "corpus holds" in answer.answer
    assert answer.see_also  # what the corpus has closest, never cited


def test_the_additional_protocol_is_declined_with_a_pointer_to_its_mention(assistant):
    answer = assistant.ask("What acts does the Additional Protocol require Parties to criminalise?")
    assert answer.abstained and answer.reason.startswith("outside the corpus: the Additional Protocol")
    assert answer.see_also[0].chunk_id == "convention:header"
    assert "only mentions it" in answer.answer
    dated = assistant.ask("Якою датою датовано Додатковий протокол до Конвенції?")
    assert not dated.abstained and dated.citations[0].part == "header"


def test_personal_context_keeps_the_first_citation(assistant):
    plain = assistant.ask("What is illegal interception?")
    wrapped = assistant.ask("I'm a lawyer in Kyiv; my client asks what illegal interception is.")
    assert plain.citations[0].part == wrapped.citations[0].part == "3"
    plain_uk = assistant.ask("Що таке втручання у систему?")
    wrapped_uk = assistant.ask("Я адвокатка з Харкова, пишу висновок для клієнта. Що таке втручання у систему?")
    assert plain_uk.citations[0].part == wrapped_uk.citations[0].part == "5"


def test_the_period_question_opens_with_the_ninety_days(assistant):
    answer = assistant.ask("For how many days at most can a preservation order under Article 16(2) run?")
    assert answer.answer.splitlines()[0] == "Answer: «up to a maximum of ninety days» (Article 16(2))."
    answer_uk = assistant.ask("Скільки днів максимум діє розпорядження про збереження за п. 2 ст. 16?")
    assert "90 днів" in answer_uk.answer.splitlines()[0]


def test_everyday_words_are_answered_not_declined(assistant):
    answer = assistant.ask("Чи карається DDoS-атака на сайт інтернет-магазину?")
    assert not answer.abstained and answer.citations[0].part == "5"
    assert answer.confidence in ("high", "low")


def test_a_fact_pattern_cites_each_article_once(assistant):
    answer = assistant.ask(
        "Our client runs a web shop. A former employee kept his password, logged into the shop's server "
        "after he was dismissed and deleted the customer database. Then he flooded the site with requests "
        "from a botnet so that it was offline for two days. Which provisions of the Convention apply?")
    parts = [c.part for c in answer.citations]
    assert not answer.abstained and len(parts) == len(set(parts)) >= 2
    assert {"2", "4", "5"} & set(parts)


def test_quotes_are_whole_rules_with_their_items(assistant):
    answer = assistant.ask("Which jurisdiction rules does Article 22(1) set for offences on board ships?")
    quote = answer.citations[0].quote
    assert not quote.rstrip().endswith(":") and "ship" in quote and "aircraft" in quote


# Issue 11: the English text beside the Ukrainian.

def test_english_answer_quotes_the_authentic_text_and_carries_both(assistant):
    answer = assistant.ask("What does the Convention say about illegal access?")
    first = answer.citations[0]
    assert first.part == "2" and first.quote.startswith("Each Party shall adopt")
    quotes = dict(first.quotes)
    assert quotes["en"] == first.quote and "без права на це" in quotes["uk"]
    assert "authentic English text" in answer.answer


def test_the_language_switch_changes_the_answer_language_only(assistant):
    for question in ("Що таке незаконний доступ?", "Які повноваження надає ст. 19?",
                     "What is a production order?"):
        uk, en = assistant.ask(question, lang="uk"), assistant.ask(question, lang="en")
        assert not uk.abstained and not en.abstained
        assert uk.citations[0].chunk_id == en.citations[0].chunk_id
        assert (uk.language, en.language) == ("uk", "en")
        assert en.citations[0].label.startswith("Article") and uk.citations[0].label.endswith(
            f"ст. {uk.citations[0].article}")


def test_a_named_subparagraph_is_quoted_and_cited_as_such(assistant):
    answer = assistant.ask("What does Article 1(d) say?")
    first = answer.citations[0]
    assert first.label == "Article 1(d)" and first.quote.startswith('d) "traffic data" means')
    assert dict(first.quotes)["uk"].startswith("d. “дані про рух інформації” означає")
