"""The generative path with a fake chat model (no LLM runs here): grounding rules hold whatever it says."""

from dataclasses import replace

from langchain_core.language_models.fake_chat_models import FakeListChatModel

from qa.pipeline import Assistant


def _assistant(real_settings, real_index, responses):
    settings = replace(real_settings, answerer="llm")
    return Assistant(settings, index=real_index, chat_model=FakeListChatModel(responses=responses))


def test_markers_are_renumbered_and_quotes_verified(real_settings, real_index):
    reply = ("Data must be kept for at most 90 days [1]: «з максимальним терміном у 90 днів». "
             "Invented: «Сторона зобов’язана зберігати дані 10 років» [9].")
    answer = _assistant(real_settings, real_index, [reply]).ask("What does Article 16(2) say?")
    assert not answer.abstained
    (citation,) = answer.citations
    assert citation.chunk_id == "convention:art16:2" and citation.quote == "з максимальним терміном у 90 днів"
    assert "[9]" not in answer.answer and "10 років" not in answer.answer
    assert "unverified quotation removed" in answer.answer


def test_not_in_corpus_becomes_an_abstention(real_settings, real_index):
    answer = _assistant(real_settings, real_index, ["NOT_IN_CORPUS"]).ask("Що таке незаконний доступ?")
    assert answer.abstained and answer.citations == []


def test_reply_without_markers_is_not_passed_off_as_cited(real_settings, real_index):
    answer = _assistant(real_settings, real_index, ["It depends."]).ask("Що таке незаконний доступ?")
    assert answer.abstained


def test_prompt_carries_numbered_provisions(real_settings, real_index):
    assistant = _assistant(real_settings, real_index, ["x [1]"])
    retrieval = assistant.retriever.retrieve("What is illegal access?", "en", 5)
    system, human = assistant.answerer.messages(retrieval, retrieval.hits[:2])
    assert system[0] == "system" and "[1] Article 2 (Illegal access):" in system[1] and "[2]" in system[1]
    assert human == ("human", "What is illegal access?")
