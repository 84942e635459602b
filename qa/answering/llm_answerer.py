"""Optional generative answerer: a LangChain chat model writes the answer from the retrieved provisions.

The model only ever sees numbered provisions and must cite them as [n]. Its output is then held to
the same standard as the extractive answer: markers that point at nothing are dropped, a «quote» that
is not verbatim in the cited provision is replaced by the provision's own best sentence, and a reply of
NOT_IN_CORPUS (or one citing nothing) becomes an abstention.
"""

from __future__ import annotations

import re

from ..config import Settings
from ..errors import ConfigError
from ..indexing.index import Index
from ..retrieval.hybrid import Hit, Retrieval
from .citations import Citation, label, quote_is_verbatim, title, version
from .extractive import Quote, best_quote, parallel_quotes, weigher
from .prompts import load_templates

CONTEXT_HITS = 5
NOT_IN_CORPUS = "NOT_IN_CORPUS"
_MARKER = re.compile(r"\[(\d{1,2})\]")
_QUOTE = re.compile(r"«([^«»]{8,})»")


_PIP_HINT = re.compile(r"pip install (?:-U |--upgrade )?[\"'`]?([A-Za-z0-9_.\-\[\]]+)")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def provider_package(model: str, exc: BaseException | None = None) -> str:
    """The pip package a `provider:model` name needs: LangChain's own hint when it gives one, else the
    integration package's usual name (`ollama` → `langchain-ollama`)."""
    hint = _PIP_HINT.search(str(exc)) if exc is not None else None
    if hint:
        return hint.group(1)
    provider = model.split(":", 1)[0] if ":" in model else ""
    return f"langchain-{provider.replace('_', '-')}" if provider else "the provider's LangChain package"


def make_chat_model(model: str):
    """LangChain's `init_chat_model`, with every way it can fail turned into one ConfigError line."""
    if not model:
        raise ConfigError("the llm answerer needs --llm-model / QA_LLM_MODEL, e.g. 'ollama:llama3.1'")
    try:
        from langchain.chat_models import init_chat_model
    except ImportError as exc:
        raise ConfigError("the llm answerer needs LangChain: pip install -e '.[llm]'") from exc
    try:
        return init_chat_model(model)
    except (ImportError, AttributeError) as exc:
        # ImportError names the package; for `ollama:` LangChain falls back to langchain-community,
        # which no longer has ChatOllama, and fails with an AttributeError instead.
        raise ConfigError(f"chat model {model!r} needs its provider package: "
                          f"pip install {provider_package(model, exc)}") from exc
    except ValueError as exc:
        raise ConfigError(f"chat model {model!r}: {_first_line(exc)} Write it as provider:model, "
                          "e.g. ollama:llama3.1 or openai:gpt-4o") from exc
    except Exception as exc:  # e.g. the provider's client refusing to start without an API key
        raise ConfigError(f"chat model {model!r} could not be set up: {_first_line(exc)}") from exc


class LLMAnswerer:
    name = "llm"

    def __init__(self, index: Index, settings: Settings, chat_model=None):
        self.index, self.settings = index, settings
        # Built now, not at the first question: a missing provider package or an unknown model is a
        # configuration error that must stop the command (exit 2) before any question is answered.
        self.chat_model = chat_model if chat_model is not None else make_chat_model(settings.llm_model)

    def _model(self):
        return self.chat_model

    def messages(self, retrieval: Retrieval, hits: list[Hit]) -> list[tuple[str, str]]:
        templates = load_templates(self.settings.prompts_dir, "llm", retrieval.lang)
        context = "\n\n".join(
            templates["context_item"].format(marker=n, label=label(h.chunk, retrieval.lang),
                                             title=title(h.chunk, retrieval.lang),
                                             text=version(h.chunk, retrieval.lang))
            for n, h in enumerate(hits, start=1))
        return [("system", templates["system"] + "\n\n" + context), ("human", retrieval.question)]

    def compose(self, retrieval: Retrieval) -> tuple[str, list[Citation]]:
        hits = retrieval.hits[:CONTEXT_HITS]
        if not hits:
            return "", []
        try:
            reply = self._model().invoke(self.messages(retrieval, hits))
        except Exception as exc:  # a server that is down, a refused key: the user's setup, not a bug here
            raise ConfigError(f"the chat model failed: {_first_line(exc)}") from exc
        text = reply.content if isinstance(reply.content, str) else str(reply.content)
        if NOT_IN_CORPUS in text:
            return "", []
        return self.ground(text, retrieval, hits)

    def ground(self, text: str, retrieval: Retrieval, hits: list[Hit]) -> tuple[str, list[Citation]]:
        """Renumber valid markers in order of use and attach verbatim quotes; drop everything else."""
        lang = retrieval.lang
        renumber: dict[int, int] = {}
        for m in _MARKER.finditer(text):
            n = int(m.group(1))
            if 1 <= n <= len(hits) and n not in renumber:
                renumber[n] = len(renumber) + 1
        text = _MARKER.sub(lambda m: f"[{renumber[int(m.group(1))]}]" if int(m.group(1)) in renumber else "", text)
        quotes_in_text = _QUOTE.findall(text)
        citations = []
        for original, marker in sorted(renumber.items(), key=lambda kv: kv[1]):
            chunk = hits[original - 1].chunk
            source = version(chunk, lang)  # the version the model was shown: English for English answers
            given = next(((q, text_) for q in quotes_in_text for text_ in (source, chunk.text, chunk.text_en)
                          if text_ and text_.find(q) >= 0), None)
            if given:  # the model's own quotation, verbatim in either version
                source = given[1]
                quote = Quote(given[0], source.find(given[0]), source.find(given[0]) + len(given[0]))
            on_english = source is not chunk.text
            if not given:
                quote = best_quote(source, weigher(self.index.bm25.idf, retrieval.query, "en" if on_english else "uk"))
            citations.append(Citation(marker, chunk.source, chunk.article, chunk.paragraph, None,
                                      label(chunk, lang), chunk.chunk_id, quote.text, title(chunk, lang), chunk.part,
                                      parallel_quotes(chunk, quote, on_english)))
        cited = [self.index.chunks[self.index.row_of[c.chunk_id]] for c in citations]
        for q in quotes_in_text:  # a quotation the corpus does not contain must not stand as a quotation
            if not any(quote_is_verbatim(q, c.text) or quote_is_verbatim(q, c.text_en) for c in cited):
                text = text.replace(f"«{q}»", f"[{'unverified quotation removed' if lang == 'en' else 'неперевірену цитату вилучено'}]")
        return text.strip(), citations
