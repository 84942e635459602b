"""The chat's quiz tab: trainers build a quiz keyed to articles, preview it and download every export."""

from __future__ import annotations

import gradio as gr

from ..errors import QAError
from ..retrieval.filters import parse_articles, parse_chapters
from .web_text import safe, texts

QUIZ_TEXTS = {
    "uk": {"key": "Ключ", "dropped": "Під час перевірки відкинуто кандидатів: {n} ({reasons}); у квізі лише перевірені питання.",
           "aiken": "Файл Aiken містить лише питання з одним варіантом відповіді: {n} з {total}.",
           "short": "Для цього обсягу вдалося створити лише {n} перевірених питань із {count}."},
    "en": {"key": "Key", "dropped": "Candidates dropped while validating: {n} ({reasons}); the quiz holds only checked items.",
           "aiken": "The Aiken file holds single-answer items only: {n} of {total}.",
           "short": "Only {n} checked item(s) of {count} could be made for this scope."},
}


def quiz_preview(quiz, show_key: bool = False) -> str:
    """Markdown preview for trainers (all escaped). The key (✓, cloze answers, citations with their
    quotes) shows only when asked for: a preview on a projector must not give the answers away."""
    from ..quizzes.formats import exported_count

    words = QUIZ_TEXTS["en" if quiz.request.lang == "en" else "uk"]
    blocks = []
    for n, item in enumerate(quiz.items, start=1):
        lines = [f"**{n}. [{item.type}]** {safe(item.prompt)}"]
        if item.text:
            lines.append(f"> {safe(item.text)}")
        for option in item.options:
            mark = ("✓" if option == item.answer else "·") if show_key else "○"
            lines.append(f"- {mark} {safe(option)}")
        if item.type == "matching" and show_key:
            lines.extend(f"- {safe(left)} → {safe(right)}" for left, right in item.pairs)
        elif item.type == "matching":  # articles, then their titles in another order, to be matched
            lines.extend(f"- {safe(left)}" for left, _ in item.pairs)
            lines.extend(f"- {letter}. {safe(right)}" for letter, right in zip("ABCDEFGH", sorted(r for _, r in item.pairs)))
        if show_key and item.type == "cloze":
            lines.append(f"- ✓ {safe(item.answer)}")
        if show_key and item.type != "matching":
            lines.append(f"\n{words['key']}: {safe(item.citation)}: «{safe(item.quote)}»")
        blocks.append("\n".join(lines))
    notes = []
    if len(quiz.items) < quiz.request.count:
        notes.append(words["short"].format(n=len(quiz.items), count=quiz.request.count))
    aiken = exported_count(quiz, "aiken")
    if aiken < len(quiz.items):
        notes.append(words["aiken"].format(n=aiken, total=len(quiz.items)))
    if quiz.dropped:
        reasons = "; ".join(f"{reason} ×{k}" for reason, k in sorted(quiz.dropped.items()))
        notes.append(words["dropped"].format(n=sum(quiz.dropped.values()), reasons=safe(reasons)))
    return "\n\n".join(blocks + [f"_{note}_" for note in notes])


def quiz_tab(index, chapters: list[str]) -> None:
    """Controls, a preview (answer key behind a toggle) and the four exports as downloads."""
    import tempfile
    from pathlib import Path

    from ..quizzes.builder import QuizBuilder, QuizRequest
    from ..quizzes.formats import FORMATS, export, file_name
    from ..quizzes.items import TYPES

    builder = QuizBuilder(index)
    with gr.Row():
        count = gr.Slider(1, 100, value=10, step=1, label="Кількість · Count", elem_id="quiz-count")
        types = gr.CheckboxGroup(list(TYPES), value=list(TYPES), label="Типи · Types", elem_id="quiz-types")
        lang = gr.Radio([("українська", "uk"), ("English", "en")], value="uk", label="Мова · Language",
                        elem_id="quiz-lang")
    with gr.Row():
        articles = gr.Textbox(label="Статті · Articles (2-13)", elem_id="quiz-articles")
        chapter_box = gr.CheckboxGroup(chapters, label="Розділи · Chapters")
        difficulty = gr.Radio(["easy", "medium", "hard"], value="medium", label="Складність · Difficulty")
        seed = gr.Number(value=7, precision=0, label="Seed")
    with gr.Row():
        generate = gr.Button("Створити квіз · Generate", variant="primary", elem_id="quiz-generate")
        show_key = gr.Checkbox(value=False, label="Показати відповіді · Show answer key", elem_id="quiz-key")
    built = gr.State(None)
    preview = gr.Markdown(elem_id="quiz-preview")
    files = gr.File(label="Експорт · Downloads (GIFT, Aiken, CSV, JSON)", file_count="multiple", elem_id="quiz-files")

    def make(count, types, articles, chapter_box, lang, difficulty, seed, key):
        try:
            request = QuizRequest(count=int(count), types=tuple(types or ()), articles=parse_articles(articles),
                                  chapters=parse_chapters(chapter_box), lang=lang, difficulty=difficulty,
                                  seed=int(seed or 0))
            quiz = builder.build(request)
        except (QAError, ValueError) as exc:
            return safe(f"{texts(lang)['error']}: {exc}"), None, None
        folder = Path(tempfile.mkdtemp(prefix="quiz-"))
        paths = []
        for fmt in FORMATS:
            path = folder / file_name(request, fmt)
            path.write_text(export(quiz, fmt), encoding="utf-8")
            paths.append(str(path))
        return quiz_preview(quiz, bool(key)), paths, quiz

    def toggle(quiz, key):
        return quiz_preview(quiz, bool(key)) if quiz is not None else gr.skip()

    generate.click(make, [count, types, articles, chapter_box, lang, difficulty, seed, show_key],
                   [preview, files, built], api_visibility="private")
    show_key.change(toggle, [built, show_key], [preview], api_visibility="private")
