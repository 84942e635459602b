"""Quiz generation, validation and exports over the real corpus and index."""

import json
import re

import pytest

from qa.quizzes.builder import QuizBuilder, QuizRequest
from qa.quizzes.formats import export, read_aiken, read_csv, read_gift, to_gift
from qa.quizzes.items import BLANK, QuizItem
from qa.quizzes.validation import validate


@pytest.fixture(scope="module")
def builder(real_index):
    return QuizBuilder(real_index)


def _ws(text):
    return " ".join(text.split())


def test_seed_reproduces_a_quiz_exactly(builder):
    request = QuizRequest(count=25, seed=7, lang="en", articles=frozenset(str(n) for n in range(2, 14)))
    first, second = builder.build(request), builder.build(request)
    assert [i.to_json() for i in first.items] == [i.to_json() for i in second.items]
    other = builder.build(QuizRequest(count=25, seed=8, lang="en", articles=request.articles))
    assert [i.id for i in other.items] != [i.id for i in first.items]


def test_200_items_over_the_whole_convention_are_valid_and_distinct(builder, real_index):
    quiz = builder.build(QuizRequest(count=200, seed=1))
    assert len(quiz.items) == 200
    assert len({i.id for i in quiz.items}) == 200
    assert len({(i.type, i.text, i.answer) for i in quiz.items}) == 200
    assert {i.type for i in quiz.items} == {"which", "cloze", "tf", "matching"}
    for item in quiz.items:
        assert validate(item, real_index) == [], item.id


def test_keys_are_correct_against_the_corpus(builder, real_index):
    quiz = builder.build(QuizRequest(count=120, seed=3, types=("which", "cloze", "tf")))
    corpus = [_ws(c.text) for c in real_index.chunks]
    for item in quiz.items:
        cited = real_index.chunks[real_index.row_of[item.chunk_id]]
        assert _ws(item.quote) in _ws(cited.text)
        if item.type == "cloze":
            assert item.answer not in item.text
            assert _ws(item.text.replace(BLANK, item.answer)) == _ws(item.quote)
        elif item.type == "which":
            assert item.answer.startswith(f"Стаття {cited.article} –")
            assert sum(o.startswith(f"Стаття {cited.article} –") for o in item.options) == 1
        elif item.type == "tf" and item.answer == "Неправда":
            statement = _ws(item.text.strip("«»"))
            assert not any(statement in t for t in corpus)  # really false against the text
            assert item.changed[0] in item.quote and item.changed[1] in statement


def test_false_statement_changes_a_number(builder):
    quiz = builder.build(QuizRequest(count=40, seed=2, types=("tf",), articles=frozenset({"16", "29", "9"})))
    numeric = [i for i in quiz.items if i.changed and re.search(r"\d", i.changed[0])]
    assert numeric, "expected a changed number (e.g. 90 → 60 days)"
    for item in numeric:
        assert item.changed[0] != item.changed[1]


def test_scope_language_and_difficulty(builder):
    quiz = builder.build(QuizRequest(count=10, seed=5, types=("which",), articles=frozenset({"2", "3"}),
                                     lang="en", difficulty="hard"))
    assert all(i.article in {"2", "3"} for i in quiz.items)
    assert all(i.prompt.startswith("Which article") and i.citation.startswith("Article") for i in quiz.items)
    assert all(len(i.options) == 4 for i in quiz.items)


def test_validation_rejects_broken_items(builder, real_index):
    good = builder.build(QuizRequest(count=1, seed=1, types=("cloze",))).items[0]
    leaked = QuizItem(**{**good.to_json(), "options": (), "pairs": (), "changed": None,
                         "text": good.text.replace(BLANK, good.answer + " " + BLANK)})
    assert "answer leaks into stem" in validate(leaked, real_index)
    which = builder.build(QuizRequest(count=1, seed=1, types=("which",))).items[0]
    wrong = [o for o in which.options if o != which.answer]
    twice = QuizItem(**{**which.to_json(), "pairs": (), "changed": None,
                        "options": (which.answer, which.answer, *wrong[:2])})
    assert {"options not distinct", "not exactly one correct option"} <= set(validate(twice, real_index))


def _fixture_item():
    return QuizItem(id="x1", type="which", lang="en", prompt="Which article: a {tricky} = ~test~ #1?",
                    text="«a: b = c ~ d # e { f } g \\ h»", options=("A {1}", "B = 2", "C ~ 3", "D: 4"),
                    answer="B = 2", citation="Article 2", chunk_id="convention:art2", quote="x: {y}", article="2")


def test_gift_special_characters_survive_the_round_trip():
    item = _fixture_item()
    (parsed,) = read_gift(to_gift([item]))
    assert parsed["kind"] == "mc" and parsed["title"] == "x1"
    assert parsed["stem"] == f"{item.prompt} {item.text}"
    assert parsed["options"] == list(item.options) and parsed["answer"] == "B = 2"
    assert parsed["feedback"] == "Article 2: «x: {y}»"


def test_exports_parse_back_item_by_item(builder):
    quiz = builder.build(QuizRequest(count=40, seed=11, lang="uk"))
    gift = read_gift(export(quiz, "gift"))
    assert len(gift) == len(quiz.items)
    for item, parsed in zip(quiz.items, gift):
        assert parsed["title"] == item.id
        assert parsed["stem"] == _ws(f"{item.prompt} {item.text}")
        if item.type == "which":
            assert parsed["options"] == [_ws(o) for o in item.options] and parsed["answer"] == item.answer
        elif item.type == "tf":
            assert parsed["answer"] is (item.answer == "Правда")
        elif item.type == "cloze":
            assert parsed["kind"] == "short" and parsed["answer"] == item.answer
        else:
            assert parsed["pairs"] == [tuple(p) for p in item.pairs]
        if item.type != "matching":
            assert _ws(item.quote) in parsed["feedback"]
    aiken = read_aiken(export(quiz, "aiken"))
    mc = [i for i in quiz.items if i.type in ("which", "tf")]
    assert len(aiken) == len(mc)
    for item, parsed in zip(mc, aiken):
        assert parsed["options"] == list(item.options) and parsed["answer"] == item.answer
    rows = read_csv(export(quiz, "csv"))
    assert [r["id"] for r in rows] == [i.id for i in quiz.items]
    assert all(json.loads(r["options"]) == list(i.options) for r, i in zip(rows, quiz.items))
    data = json.loads(export(quiz, "json"))
    assert [QuizItem.from_json(d) for d in data["items"]] == quiz.items
    assert data["request"]["seed"] == 11


def test_gift_reader_is_strict():
    from qa.quizzes.formats import FormatError

    with pytest.raises(FormatError):
        read_gift("::t:: stem {=a =b}")  # two correct options in multiple choice
    with pytest.raises(FormatError):
        read_gift("::t:: stem {=a ~b")  # unclosed
    with pytest.raises(FormatError):
        read_aiken("Q\nA. x\nB. y\nANSWER: C")


def test_gift_characters_in_provision_text_round_trip(tmp_path):
    from qa.config import load_settings
    from qa.indexing.index import open_index

    from .conftest import MINI_CONVENTION

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    special = "Сторона {може} встановити: ціна = 90 днів ~ приблизно # номер 5."
    (corpus / "convention.txt").write_text(MINI_CONVENTION.replace("без права на це.", f"без права на це. {special}"),
                                           encoding="utf-8")
    index = open_index(load_settings(environ={}, corpus_dir=corpus, index_dir=tmp_path / "index"))
    quiz = QuizBuilder(index).build(QuizRequest(count=30, seed=4, types=("which", "cloze", "tf")))
    carrying = [i for i in quiz.items if "{може}" in i.text or "{може}" in i.quote]
    assert carrying, "expected items quoting the provision with GIFT special characters"
    parsed = {p["title"]: p for p in read_gift(to_gift(quiz.items))}
    for item in carrying:
        p = parsed[item.id]
        assert p["stem"] == _ws(f"{item.prompt} {item.text}")
        assert _ws(item.quote) in p["feedback"]
        if item.type == "cloze":
            assert p["answer"] == item.answer


def _quiz_cli(env: dict, hash_seed: str, *args: str) -> str:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "qa", "quiz", *args], env=dict(env, PYTHONHASHSEED=hash_seed),
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_same_seed_same_quiz_in_processes_with_different_hash_seeds(real_settings, real_index):
    """Set order follows PYTHONHASHSEED; nothing a quiz holds may depend on it (JSON and GIFT from two
    commands must hold the same items)."""
    import os

    env = dict(os.environ, QA_INDEX_DIR=str(real_settings.index_dir), QA_CORPUS_DIR=str(real_settings.corpus_dir))
    args = ("--count", "40", "--seed", "5", "--lang", "uk")
    first = _quiz_cli(env, "1", *args, "--format", "json")
    assert _quiz_cli(env, "2", *args, "--format", "json") == first
    gift = read_gift(_quiz_cli(env, "3", *args, "--format", "gift"))
    assert [g["title"] for g in gift] == [i["id"] for i in json.loads(first)["items"]]
    # and the same items as this process builds, whatever its own hash seed
    here = QuizBuilder(real_index).build(QuizRequest(count=40, seed=5, lang="uk"))
    assert [i.to_json() for i in here.items] == json.loads(first)["items"]


def test_items_spread_over_types_articles_and_answers(builder):
    """Articles 14–22 in English once gave no true/false item, three matching items that shared three
    of four articles, and Article 14 as the answer three times."""
    from collections import Counter

    scope = frozenset(str(n) for n in range(14, 23))
    for seed in (7, 1, 2, 3, 4):
        quiz = builder.build(QuizRequest(count=20, seed=seed, lang="en", articles=scope))
        assert len(quiz.items) == 20
        assert Counter(i.type for i in quiz.items) == {"which": 5, "cloze": 5, "tf": 5, "matching": 5}, seed
        keyed = Counter(i.article for i in quiz.items if i.type != "matching")
        assert max(keyed.values()) <= 3, (seed, keyed)  # 15 items over 9 articles; true/false exists for 5
        which = Counter(i.article for i in quiz.items if i.type == "which")
        assert max(which.values()) == 1, (seed, which)
        groups = [{a for a, _ in i.pairs} for i in quiz.items if i.type == "matching"]
        assert all(len(a & b) <= 2 for n, a in enumerate(groups) for b in groups[n + 1:]), (seed, groups)
        tf = Counter(i.answer for i in quiz.items if i.type == "tf")
        assert set(tf) == {"True", "False"}, (seed, tf)


def test_csv_opens_in_spreadsheets_as_utf8(builder):
    """Excel reads a CSV without a byte-order mark in the local code page: Cyrillic becomes mojibake."""
    from qa.quizzes.formats import CSV_BOM

    quiz = builder.build(QuizRequest(count=5, seed=1, lang="uk"))
    data = export(quiz, "csv").encode("utf-8")
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").startswith("id,type,lang,")  # what spreadsheets see
    assert "Яка стаття" in data.decode("utf-8-sig") or "Заповніть" in data.decode("utf-8-sig")
    assert [r["id"] for r in read_csv(data.decode("utf-8"))] == [i.id for i in quiz.items]
    assert CSV_BOM == "\ufeff"


def test_download_names_say_what_was_asked():
    from qa.quizzes.formats import file_name

    request = QuizRequest(count=20, seed=3, lang="en", types=("which", "tf"),
                          articles=frozenset(str(n) for n in [*range(14, 23), 29]))
    assert file_name(request, "aiken") == "quiz-en-art14-22_29-which-tf-medium-n20-seed3.txt"
    assert file_name(QuizRequest(seed=7, chapters=frozenset({"II"})), "gift").startswith("quiz-uk-chII-")
    assert file_name(QuizRequest(seed=7), "csv") != file_name(QuizRequest(seed=7, lang="en"), "csv")


def test_english_quiz_quotes_and_keys_come_from_the_english_text(builder, real_index):
    """`qa quiz --lang en` quotes the authentic English text: every quote verbatim in the cited
    paragraph's `text_en` (not its Ukrainian), cloze keys restore the English sentence, a false statement
    is absent from every English paragraph, and the same seed gives the same quiz."""
    request = QuizRequest(count=120, seed=3, lang="en", types=("which", "cloze", "tf"))
    quiz = builder.build(request)
    assert len(quiz.items) == 120
    assert [i.to_json() for i in builder.build(request).items] == [i.to_json() for i in quiz.items]
    english = [_ws(c.text_en) for c in real_index.chunks if c.text_en]
    for item in quiz.items:
        cited = real_index.chunks[real_index.row_of[item.chunk_id]]
        assert cited.text_en and _ws(item.quote) in _ws(cited.text_en), item.id
        assert _ws(item.quote) not in _ws(cited.text), item.id
        assert not re.search("[а-яіїєґ]", item.text + item.answer, re.IGNORECASE), item.id
        if item.type == "cloze":
            assert _ws(item.text.replace(BLANK, item.answer)) == _ws(item.quote)
        elif item.type == "which":
            assert item.answer == f"Article {cited.article} – {cited.title_en}"
        elif item.type == "tf" and item.answer == "False":
            statement = _ws(item.text.strip("«»"))
            assert not any(statement in t for t in english), item.id
            assert item.changed[0] in item.quote and item.changed[1] in statement
    assert {i.type for i in quiz.items} == {"which", "cloze", "tf"}
    ukrainian = builder.build(QuizRequest(count=60, seed=3, lang="uk", types=("which", "cloze", "tf")))
    for item in ukrainian.items:
        cited = real_index.chunks[real_index.row_of[item.chunk_id]]
        assert _ws(item.quote) in _ws(cited.text), item.id


def test_validation_checks_an_english_key_against_the_english_text(builder, real_index):
    item = builder.build(QuizRequest(count=1, seed=2, lang="en", types=("which",))).items[0]
    assert validate(item, real_index) == []
    cited = real_index.chunks[real_index.row_of[item.chunk_id]]
    ukrainian_quote = builder.sentences(cited, "uk")[0]
    swapped = QuizItem(**{**item.to_json(), "pairs": (), "changed": None, "quote": ukrainian_quote,
                          "text": f"«{ukrainian_quote}»"})
    assert "quote not in cited paragraph" in validate(swapped, real_index)


def test_articles_sharing_an_english_title_never_meet_in_one_matching_item(builder, real_index):
    """Articles 16 and 29 have the same official English title: a matching item holding both would
    have two right answers."""
    titles = {c.article: c.title_en for c in real_index.chunks if c.kind == "article"}
    assert titles["16"] == titles["29"]
    quiz = builder.build(QuizRequest(count=30, seed=4, lang="en", types=("matching",),
                                     articles=frozenset({"16", "29", "17", "30", "18"})))
    assert quiz.items
    for item in quiz.items:
        arts = {left.split()[-1] for left, _ in item.pairs}
        assert not {"16", "29"} <= arts, item.pairs
        assert len({right for _, right in item.pairs}) == len(item.pairs)
    both = QuizItem(**{**quiz.items[0].to_json(), "changed": None, "options": (),
                       "pairs": (("Article 16", titles["16"]), ("Article 29", titles["29"]))})
    assert "matching pairs not distinct" in validate(both, real_index)
