"""Running systems over gold questions: this project warm (one index load), or every baseline in one process."""

from __future__ import annotations

from typing import Callable, Optional

from ..config import Settings
from ..errors import InvalidQuestion

Progress = Optional[Callable[[str, float], None]]


PROJECT_SYSTEM, LANGCHAIN_SYSTEM = "hybrid (this project)", "langchain 1000/200 chunks"


def compare_systems(settings: Settings, gold: list[dict], chunks, sources, progress: Progress = None) -> dict:
    """Every system on the same questions in this process, one after another."""
    from ..indexing.index import open_index
    from .baselines import systems
    from .scoring import score

    index = open_index(settings, progress)
    reports, factories = {}, systems(index, settings)
    for number, (name, factory) in enumerate(factories.items()):
        if progress:
            progress(f"running {name} …", number / len(factories))
        reports[name] = score(gold, factory()(gold), chunks, sources)
    return reports


def run_gold(settings: Settings, gold: list[dict], progress: Progress = None, fit: bool = False) -> list[dict]:
    """Answer every gold question with this project (warm: the index is loaded once); with `fit`, fit the
    confidence model on these answers first, then answer again with it."""
    from ..answering.pipeline import Assistant

    assistant = Assistant(settings, progress=progress)
    answers = []
    for g in gold:
        try:
            answers.append(assistant.ask(g["question"], qid=str(g["id"])))
        except InvalidQuestion as exc:
            answers.append({"id": str(g["id"]), "question": g.get("question"), "error": str(exc),
                            "abstained": True, "citations": [], "retrieved": []})
    if fit:
        from ..retrieval.confidence import MODEL_PATH, fit_on_answers

        model = fit_on_answers([a for a in answers if not isinstance(a, dict)], gold)
        if progress:
            progress(f"wrote the confidence model to {MODEL_PATH}: {model.to_json()}", 1.0)
        return run_gold(settings, gold, progress)
    return [a if isinstance(a, dict) else a.to_json() for a in answers]
