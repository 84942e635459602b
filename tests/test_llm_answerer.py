"""The generative path with a fake chat model (no LLM runs here): grounding rules hold whatever it says."""

from dataclasses import replace

from langchain_core.language_models.fake_chat_models import FakeListChatModel

from qa.answering.pipeline import Assistant


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


def test_a_chat_model_that_fails_is_one_config_error(real_settings, real_index):
    """A model server that is down (or a refused key) is the user's setup: one line, exit 2, no traceback."""
    import pytest
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    from qa.errors import ConfigError

    class Down(FakeListChatModel):
        def invoke(self, *args, **kwargs):
            raise ConnectionError("[Errno 111] Connection refused\nmore detail")

    assistant = _assistant(real_settings, real_index, ["unused"])
    assistant.answerer.chat_model = Down(responses=["unused"])
    with pytest.raises(ConfigError, match=r"^the chat model failed: \[Errno 111\] Connection refused$"):
        assistant.ask("Що таке незаконний доступ?")


def test_provider_package_names():
    from qa.answering.llm_answerer import provider_package

    assert provider_package("ollama:llama3.1", AttributeError("no attribute ChatOllama")) == "langchain-ollama"
    hint = ImportError("Initializing ChatOpenAI requires the langchain-openai package. Please install it with "
                       "`pip install langchain-openai`")
    assert provider_package("openai:gpt-4o", hint) == "langchain-openai"
    assert provider_package("google_genai:gemini", None) == "langchain-google-genai"


def test_llm_citations_quote_the_answer_language_and_carry_both(real_settings, real_index):
    answer = _assistant(real_settings, real_index, ["Article 2 makes it an offence [1]."]).ask(
        "What does the Convention say about illegal access?")
    (citation,) = answer.citations
    quotes = dict(citation.quotes)
    assert citation.quote == quotes["en"] and "without right" in quotes["en"]
    assert "без права на це" in quotes["uk"]
