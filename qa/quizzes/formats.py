"""Quiz exports for learning platforms — Moodle GIFT, Aiken, CSV, JSON — and strict readers for the
two text formats, so a round trip can prove that what a platform imports is what was generated.
"""

from __future__ import annotations

import csv
import io
import json
import re

from .items import QuizItem

FORMATS = ("gift", "aiken", "csv", "json")
_GIFT_SPECIAL = re.compile(r"([~=#{}:\\])")
AIKEN_TYPES = ("which", "tf")  # Aiken holds single-answer multiple choice only


def gift_escape(text: str) -> str:
    """Backslash GIFT's special characters (~ = # { } :) and fold line breaks (GIFT items are one block)."""
    return _GIFT_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def _feedback(item: QuizItem) -> str:
    return f"####{gift_escape(item.citation + ': «' + item.quote + '»')}"


def to_gift(items: list[QuizItem]) -> str:
    blocks = []
    for n, item in enumerate(items, start=1):
        title = f"::{gift_escape(item.id)}::"
        stem = gift_escape(item.prompt) + (" " + gift_escape(item.text) if item.text else "")
        if item.type == "which":
            opts = " ".join(("=" if o == item.answer else "~") + gift_escape(o) for o in item.options)
            body = f"{{{opts} {_feedback(item)}}}"
        elif item.type == "tf":
            body = f"{{{'TRUE' if item.correct_index == 0 else 'FALSE'}{_feedback(item)}}}"
        elif item.type == "cloze":
            body = f"{{={gift_escape(item.answer)}{_feedback(item)}}}"
        else:
            pairs = " ".join(f"={gift_escape(a)} -> {gift_escape(t)}" for a, t in item.pairs)
            body = f"{{{pairs}}}"
        blocks.append(f"// {item.type} {n}: {item.citation}\n{title} {stem} {body}")
    return "\n\n".join(blocks) + "\n"


def to_aiken(items: list[QuizItem]) -> str:
    """Only which-article and true/false items (Aiken has no cloze or matching)."""
    blocks = []
    for item in items:
        if item.type not in AIKEN_TYPES:
            continue
        lines = [" ".join(f"{item.prompt} {item.text}".split())]
        letters = "ABCDEFGH"
        for letter, option in zip(letters, item.options):
            lines.append(f"{letter}. {' '.join(option.split())}")
        lines.append(f"ANSWER: {letters[item.correct_index]}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + ("\n" if blocks else "")


# Excel opens a CSV file without a byte-order mark in the local code page (Cyrillic becomes mojibake);
# with one it reads UTF-8. LibreOffice, pandas (encoding="utf-8-sig") and Python's csv module cope.
CSV_BOM = "\ufeff"
CSV_COLUMNS = ("id", "type", "lang", "prompt", "text", "options", "answer", "pairs", "citation", "chunk_id",
               "quote", "article", "paragraph", "difficulty")


def to_csv(items: list[QuizItem]) -> str:
    """UTF-8 text that starts with a byte-order mark, so spreadsheets read the Ukrainian text."""
    out = io.StringIO()
    out.write(CSV_BOM)
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for i in items:
        writer.writerow([i.id, i.type, i.lang, i.prompt, i.text, json.dumps(list(i.options), ensure_ascii=False),
                         i.answer, json.dumps([list(p) for p in i.pairs], ensure_ascii=False), i.citation,
                         i.chunk_id, i.quote, i.article, i.paragraph or "", i.difficulty])
    return out.getvalue()


def to_json(quiz_json: dict) -> str:
    return json.dumps(quiz_json, ensure_ascii=False, indent=2) + "\n"


def file_name(request, fmt: str) -> str:
    """A download name that says what was asked, so several quizzes do not all arrive as quiz-seed7.*:
    quiz-en-art14-22-which-tf-n20-seed3.gift."""
    scope = []
    if request.articles:
        spans: list[list[int]] = []
        for n in sorted(int(a) for a in request.articles):
            if spans and n == spans[-1][1] + 1:
                spans[-1][1] = n
            else:
                spans.append([n, n])
        scope.append("art" + "_".join(str(a) if a == b else f"{a}-{b}" for a, b in spans))
    if request.chapters:
        scope.append("ch" + "_".join(sorted(request.chapters)))
    types = "-".join(request.types)
    parts = ["quiz", request.lang, *scope, types, request.difficulty, f"n{request.count}", f"seed{request.seed}"]
    name = re.sub(r"[^A-Za-z0-9_.-]+", "", "-".join(parts))[:120]
    return f"{name}.{'txt' if fmt == 'aiken' else fmt}"


def exported_count(quiz, fmt: str) -> int:
    """How many of the quiz's items a file in `fmt` holds (Aiken leaves out cloze and matching)."""
    if fmt == "aiken":
        return sum(1 for i in quiz.items if i.type in AIKEN_TYPES)
    return len(quiz.items)


def export(quiz, fmt: str) -> str:
    if fmt == "gift":
        return to_gift(quiz.items)
    if fmt == "aiken":
        return to_aiken(quiz.items)
    if fmt == "csv":
        return to_csv(quiz.items)
    if fmt == "json":
        return to_json(quiz.to_json())
    raise ValueError(f"unknown format {fmt!r}; choose from {', '.join(FORMATS)}")


# ------------------------------------------------------------------ strict readers


class FormatError(ValueError):
    pass


def _gift_unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _split_unescaped(text: str, seps: str) -> list[tuple[str, str]]:
    """Split on unescaped separator characters, keeping which separator started each part."""
    parts: list[tuple[str, str]] = []
    current, lead, i = [], "", 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            current.append(text[i : i + 2])
            i += 2
            continue
        if ch in seps:
            parts.append((lead, "".join(current)))
            current, lead = [], ch
        else:
            current.append(ch)
        i += 1
    parts.append((lead, "".join(current)))
    return parts


def _find_unescaped(text: str, ch: str, start: int = 0) -> int:
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == ch:
            return i
        i += 1
    return -1


def read_gift(text: str) -> list[dict]:
    """Parse GIFT into {title, stem, kind, options/answer/pairs, feedback}; raises FormatError on anything odd."""
    items = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [ln for ln in block.splitlines() if not ln.startswith("//")]
        body = " ".join(lines).strip()
        if not body:
            continue
        if not body.startswith("::"):
            raise FormatError(f"item without a title: {body[:40]!r}")
        end_title = body.find("::", 2)
        while end_title != -1 and body[end_title - 1] == "\\":
            end_title = body.find("::", end_title + 1)
        title = _gift_unescape(body[2:end_title])
        rest = body[end_title + 2 :]
        open_brace = _find_unescaped(rest, "{")
        close_brace = _find_unescaped(rest, "}", open_brace + 1)
        if open_brace == -1 or close_brace == -1 or rest[close_brace + 1 :].strip():
            raise FormatError(f"{title}: answer block not closed or text after it")
        stem = _gift_unescape(rest[:open_brace].strip())
        answer_block = rest[open_brace + 1 : close_brace]
        feedback = ""
        fb = answer_block.find("####")
        if fb != -1:
            answer_block, feedback = answer_block[:fb], _gift_unescape(answer_block[fb + 4 :])
        answer_block = answer_block.strip()
        item = {"title": title, "stem": stem, "feedback": feedback}
        if answer_block in ("TRUE", "FALSE", "T", "F"):
            item.update(kind="tf", answer=answer_block.startswith("T"))
        elif "->" in answer_block:
            pairs = []
            for lead, part in _split_unescaped(answer_block, "="):
                if not part.strip():
                    continue
                left, sep, right = part.partition(" -> ")
                if lead != "=" or not sep:
                    raise FormatError(f"{title}: bad matching pair {part!r}")
                pairs.append((_gift_unescape(left.strip()), _gift_unescape(right.strip())))
            item.update(kind="matching", pairs=pairs)
        else:
            parts = [(lead, _gift_unescape(p.strip())) for lead, p in _split_unescaped(answer_block, "=~") if p.strip()]
            if any(lead not in "=~" or not lead for lead, _ in parts):
                raise FormatError(f"{title}: option without = or ~")
            if all(lead == "=" for lead, _ in parts) and len(parts) == 1:
                item.update(kind="short", answer=parts[0][1])
            else:
                correct = [p for lead, p in parts if lead == "="]
                if len(correct) != 1:
                    raise FormatError(f"{title}: {len(correct)} correct options")
                item.update(kind="mc", options=[p for _, p in parts], answer=correct[0])
        items.append(item)
    return items


def read_aiken(text: str) -> list[dict]:
    items = []
    for block in re.split(r"\n\s*\n", text.strip()):
        lines = [ln.rstrip() for ln in block.splitlines() if ln.strip()]
        if not lines:
            continue
        if len(lines) < 4:
            raise FormatError(f"Aiken item too short: {lines[:1]}")
        question, *option_lines, answer_line = lines
        options = []
        for expected, line in zip("ABCDEFGH", option_lines):
            if not line.startswith(f"{expected}. "):
                raise FormatError(f"option line {line!r} should start with '{expected}. '")
            options.append(line[3:])
        m = re.fullmatch(r"ANSWER: ([A-H])", answer_line)
        if not m or "ABCDEFGH".index(m.group(1)) >= len(options):
            raise FormatError(f"bad answer line {answer_line!r}")
        items.append({"question": question, "options": options, "answer": options["ABCDEFGH".index(m.group(1))]})
    return items


def read_csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text.removeprefix(CSV_BOM))))
