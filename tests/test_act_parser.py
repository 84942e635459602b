"""Acts other than the Convention: a made-up law in the layout of a zakon.rada.gov.ua page (`Стаття 1. Назва`,
numbered parts, one paragraph per line), parsed, cited in both languages, its cross-references resolved
within it, references to it routed through a real index; and the Convention's own chunks unchanged."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from qa.answering.citations import label
from qa.errors import CorpusError
from qa.sources.act_names import act_name, genitive_name
from qa.sources.act_parser import parse_act
from qa.sources.chunks import CONVENTION

from .conftest import CORPUS_DIR, MINI_CONVENTION

LAW_TITLE = "Закон України «Про захист комп’ютерної інформації»"
LAW_UK = "Закону України «Про захист комп’ютерної інформації»"
LAW_EN = "Law of Ukraine «Про захист комп’ютерної інформації»"
LAW = """ЗАКОН УКРАЇНИ
Про захист комп’ютерної інформації
(Відомості Верховної Ради України (ВВР), 2030, № 1, ст. 1)
Цей Закон визначає правові засади захисту комп’ютерної інформації.
Розділ I
ЗАГАЛЬНІ ПОЛОЖЕННЯ
Стаття 1. Визначення термінів
1. У цьому Законі терміни вживаються в такому значенні:
1) комп’ютерна інформація - будь-які відомості в електронній формі;
2) володілець інформації - особа, якій належить комп’ютерна інформація.
2. Інші терміни вживаються у значенні, наведеному в Законі України "Про електронні комунікації".
Стаття 2. Сфера дії Закону
1. Дія цього Закону поширюється на відносини щодо захисту інформації, визначені статтею 1 цього Закону.
2. Вимоги пункту 1 цієї статті не застосовуються до інформації, що становить державну таємницю.
Розділ II. ВІДПОВІДАЛЬНІСТЬ
Стаття 3. Відповідальність за порушення
1. Особи, винні у порушенні вимог статей 1 і 2, несуть відповідальність.
2. Відповідальність настає відповідно до статті 361 Кримінального кодексу України.
Стаття 3-1. Звільнення від відповідальності
Особа звільняється від відповідальності, якщо добровільно повідомила про порушення.
Президент України
м. Київ
"""


@pytest.fixture(scope="module")
def law():
    return parse_act(LAW, "zakon-test", LAW_TITLE)


def _by_id(chunks):
    return {c.chunk_id: c for c in chunks}


def test_the_shipped_corpus_parses_to_the_same_chunks_as_before_the_act_parser():
    """Every field the chunks had before (ids, texts, spans, paths, refs, English versions) of all 166 chunks,
    against digests taken from the parser this one replaced."""
    from qa.sources.corpus import corpus_files, load_chunks

    expected = json.loads((Path(__file__).parent / "data" / "convention-chunks.json").read_text(encoding="utf-8"))
    fields = ("chunk_id", "source", "kind", "text", "lang", "position", "article", "paragraph", "title_uk", "title_en",
              "path", "refs", "links", "spans", "doc_title", "text_en", "spans_en", "path_en")
    chunks = load_chunks(corpus_files(CORPUS_DIR))
    got = {}
    for c in chunks:
        row = {k: v for k, v in c.to_row().items() if k in fields}
        got[c.chunk_id] = hashlib.sha256(json.dumps(row, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:16]
    assert list(got) == list(expected)
    assert [k for k in expected if got[k] != expected[k]] == []
    assert all(not c.act_uk and not c.act_en for c in chunks)


def test_an_act_in_web_page_layout_becomes_chunks_of_its_own_source(law):
    by_id = _by_id(law)
    assert [c.chunk_id for c in law] == [
        "zakon-test:header", "zakon-test:art1:1", "zakon-test:art1:2", "zakon-test:art2:1", "zakon-test:art2:2",
        "zakon-test:art3:1", "zakon-test:art3:2", "zakon-test:art3-1", "zakon-test:closing"]
    assert {c.source for c in law} == {"zakon-test"} and {c.doc_title for c in law} == {LAW_TITLE}
    assert [c.position for c in law] == list(range(len(law)))
    part = by_id["zakon-test:art1:1"]
    assert (part.kind, part.article, part.paragraph, part.title_uk) == ("article", "1", "1", "Визначення термінів")
    assert part.text.split("\n") == [  # the items of a part stay inside it, line by line
        "1. У цьому Законі терміни вживаються в такому значенні:",
        "1) комп’ютерна інформація - будь-які відомості в електронній формі;",
        "2) володілець інформації - особа, якій належить комп’ютерна інформація."]
    assert part.path == ("Розділ I – ЗАГАЛЬНІ ПОЛОЖЕННЯ",)  # the heading's title on the next line
    assert by_id["zakon-test:art3:1"].path == ("Розділ II – ВІДПОВІДАЛЬНІСТЬ",)
    assert by_id["zakon-test:art3-1"].paragraph is None and by_id["zakon-test:art3-1"].article == "3-1"
    assert by_id["zakon-test:art3:2"].text.endswith("Кримінального кодексу України.")  # the signature is not in it
    assert by_id["zakon-test:closing"].text == "Президент України м. Київ"
    assert "Цей Закон визначає" in by_id["zakon-test:header"].text
    assert part.part == "zakon-test:art1" and part.part != "1"  # never scored as the Convention's Article 1


def test_the_same_act_hard_wrapped_with_blank_lines_gives_the_same_provisions(law):
    wrapped = LAW.replace("Стаття 2. Сфера дії Закону\n", "\nСтаття 2. Сфера дії Закону\n\n").replace(
        "поширюється на відносини щодо захисту інформації,", "поширюється на відносини\nщодо захисту інформації,")
    again = _by_id(parse_act(wrapped, "zakon-test", LAW_TITLE))
    assert {k: c.text for k, c in again.items()} == {c.chunk_id: c.text for c in law}


def test_an_act_is_cited_with_its_name_in_both_languages(law):
    by_id = _by_id(law)
    assert (by_id["zakon-test:art2:2"].act_uk, by_id["zakon-test:art2:2"].act_en) == (LAW_UK, LAW_EN)
    assert label(by_id["zakon-test:art2:2"], "uk") == f"п. 2 ст. 2 {LAW_UK}"
    assert label(by_id["zakon-test:art2:2"], "en") == f"{LAW_EN}, Article 2(2)"
    assert label(by_id["zakon-test:art3-1"], "uk") == f"ст. 3-1 {LAW_UK}"
    assert label(by_id["zakon-test:closing"], "en") == f"{LAW_EN}, Closing formula"
    protocol = parse_act("Стаття 1. Мета\n\nМетою цього Протоколу є доповнення Конвенції.\n", "protocol",
                         "Додатковий протокол до Конвенції про кіберзлочинність, який стосується криміналізації актів")
    assert label(protocol[0], "uk") == "ст. 1 Додаткового протоколу"
    assert label(protocol[0], "en") == "Additional Protocol, Article 1"


@pytest.mark.parametrize("title,genitive,english", [
    ("Додатковий протокол до Конвенції про кіберзлочинність", "Додаткового протоколу", "Additional Protocol"),
    ("Кримінальний кодекс України", "Кримінального кодексу України", "Criminal Code of Ukraine"),
    ("Закон України \"Про електронні комунікації\" від 16.12.2020 № 1089-IX",
     "Закону України \"Про електронні комунікації\"", "Law of Ukraine \"Про електронні комунікації\""),
    ("Кодекс України про адміністративні правопорушення", "Кодексу України про адміністративні правопорушення",
     "Кодекс України про адміністративні правопорушення"),  # no half translation
    ("Конвенція Ради Європи про захист дітей", "Конвенції Ради Європи про захист дітей",
     "Конвенція Ради Європи про захист дітей"),
])
def test_short_names_are_derived_from_the_title(title, genitive, english):
    assert act_name(title) == act_name(title, None, None)
    assert (act_name(title).genitive, act_name(title).english) == (genitive, english)


def test_an_explicit_name_overrides_the_derived_one():
    chunks = parse_act("Стаття 1. Мета\n1. Текст статті.\n", "kk", "Кримінальний кодекс України (розділ XVI)",
                       genitive="КК України", english="Criminal Code")
    assert label(chunks[0], "uk") == "п. 1 ст. 1 КК України" and label(chunks[0], "en") == "Criminal Code, Article 1(1)"
    assert genitive_name("Кримінальний кодекс України (розділ XVI)") == "Кримінального кодексу України"


def test_cross_references_resolve_within_their_own_act(law):
    by_id = _by_id(law)
    assert by_id["zakon-test:art2:1"].refs == ("1",)  # "статтею 1 цього Закону"
    assert by_id["zakon-test:art2:2"].refs == ("2.1",)  # "пункту 1 цієї статті"
    assert by_id["zakon-test:art3:1"].refs == ("1", "2")
    assert by_id["zakon-test:art3:2"].refs == ()  # "статті 361 Кримінального кодексу України": another act's


def test_bad_acts_are_one_clear_error():
    with pytest.raises(CorpusError, match="no articles"):
        parse_act("Просто текст без статей.\n", "notes", "Нотатки")
    with pytest.raises(CorpusError, match=r"law.txt:3: article 1 appears twice"):
        parse_act("Стаття 1. Перша\nТекст.\nСтаття 1. Знову перша\nТекст.\n", "law", "law.txt")
    with pytest.raises(CorpusError, match="source id"):
        parse_act(LAW, CONVENTION, LAW_TITLE)


# --- through a real index: the mini-convention built by the project's own build, plus the law's chunks
# embedded by the same embedder and written as a build folder (FAISS + SQLite) that load_index reads.

@pytest.fixture(scope="module")
def act_index(tmp_path_factory, law):
    import faiss

    from qa.config import load_settings
    from qa.indexing.index import (
        MANIFEST,
        STORE,
        VECTORS,
        VECTORS_EN,
        load_index,
        open_index,
    )
    from qa.indexing.store import read_store, write_store
    from qa.sources.lexicon import document_terms

    root = tmp_path_factory.mktemp("act-index")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "convention.txt").write_text(MINI_CONVENTION, encoding="utf-8")
    settings = load_settings(environ={}, index_dir=root / "index", corpus_dir=corpus)
    base = open_index(settings)
    chunks, terms = read_store(base.path / STORE)
    chunks = chunks + law
    terms = terms + [document_terms(c.embedding_text(), c.title_en) for c in law]
    build = root / "with-act"
    build.mkdir()
    added = base.embedder.embed_passages([c.embedding_text() for c in law])
    for name, old, new in ((VECTORS, base.vectors, added), (VECTORS_EN, base.vectors_en, np.zeros_like(added))):
        flat = faiss.IndexFlatIP(base.embedder.dim)
        flat.add(np.ascontiguousarray(np.vstack([old.reconstruct_n(0, old.ntotal), new]).astype(np.float32)))
        faiss.write_index(flat, str(build / name))
    write_store(build / STORE, chunks, terms)
    base.profiles.write(build)
    (build / MANIFEST).write_text(json.dumps(base.manifest | {"chunk_count": len(chunks)}), encoding="utf-8")
    return settings, load_index(build, base.embedder)


def test_a_reference_naming_the_act_is_routed_to_it_and_a_plain_one_to_the_convention(act_index):
    from qa.retrieval.hybrid import HybridRetriever

    settings, index = act_index
    retriever = HybridRetriever(index, settings)
    assert [a.source for a in retriever.acts] == ["zakon-test"]
    for question in (f"Що каже ст. 2 {LAW_UK}?", "Що передбачає п. 2 ст. 2 закону україни про захист комп'ютерної інформації?",
                     f"What does {LAW_EN}, Article 2 say?"):
        result = retriever.retrieve(question, k=3)
        assert result.hits[0].routed and result.hits[0].chunk.source == "zakon-test", question
        assert result.hits[0].chunk.article == "2" and result.references[0].act == "zakon-test"
    plain = retriever.retrieve("Що каже ст. 2?", k=3)
    assert plain.hits[0].routed and plain.hits[0].chunk.chunk_id == "convention:art2"
    assert retriever.retrieve(f"ст. 9 {LAW_UK}", k=3).missing_references[0].act == "zakon-test"


def test_an_answer_cites_the_act_and_filters_choose_sources(act_index):
    from qa.answering.pipeline import Assistant
    from qa.retrieval.filters import Filters

    settings, index = act_index
    assistant = Assistant(settings, index=index)
    answer = assistant.ask(f"Що каже п. 2 ст. 2 {LAW_UK}?")
    assert not answer.abstained and answer.citations[0].label == f"п. 2 ст. 2 {LAW_UK}"
    assert answer.citations[0].chunk_id == "zakon-test:art2:2" and answer.citations[0].part == "zakon-test:art2"
    english = assistant.ask(f"What does Article 2(2) of the {LAW_EN} say?")
    assert english.citations[0].label == f"{LAW_EN}, Article 2(2)"
    only_convention = Filters(articles=frozenset({"2"}))
    assert {c.source for c in index.chunks if only_convention.allows(c)} == {CONVENTION}
    in_law = Filters(articles=frozenset({"2"}), sources=frozenset({"zakon-test"}))
    assert [c.chunk_id for c in index.chunks if in_law.allows(c)] == ["zakon-test:art2:1", "zakon-test:art2:2"]


def test_the_table_of_contents_lists_each_act_under_its_title_convention_first(act_index):
    from qa.surfaces.provision_view import provision_html, related, toc, toc_markdown

    _, index = act_index
    entries = toc(index)
    assert [chunk_id for _, chunk_id in entries] == [
        "convention:art1", "convention:art2", "convention:art3:1", "zakon-test:art1:1", "zakon-test:art2:1",
        "zakon-test:art3:1", "zakon-test:art3-1"]
    assert entries[3][0] == f"{LAW_TITLE} · Розділ I · ст. 1 – Визначення термінів"
    markdown = toc_markdown(index)
    assert markdown.index("ст. 3 – Нелегальне перехоплення") < markdown.index("Про захист") < markdown.index("Сфера дії")
    # the panel: the act's article, its cross-references opening the act's own articles
    assert related(index, index.chunks[index.row_of["zakon-test:art3:1"]], "uk") == [
        (f"ст. 1 {LAW_UK}", "zakon-test:art1:1"), (f"ст. 2 {LAW_UK}", "zakon-test:art2:1")]
    assert related(index, index.chunks[index.row_of["convention:art3:1"]], "en") == [
        ("Article 1", "convention:art1"), ("Article 2", "convention:art2")]
    shown = provision_html(index, "zakon-test:art3:1", "en")
    assert "Стаття 3 – Відповідальність за порушення" in shown and f"Refers to: {LAW_EN}, Article 1" in shown
    assert 'data-chunk="convention:art3:1"' not in shown


def test_an_act_in_english_is_parsed_too_and_cited_by_its_english_name():
    protocol = parse_act("Additional Protocol\n\nChapter I – Common provisions\n\nArticle 1 – Purpose\n\n"
                         "The purpose of this Protocol is to supplement the Convention.\n\nArticle 2 – Definition\n\n"
                         "1. For the purposes of this Protocol:\n\na. \"material\" means any written material.\n",
                         "ap-en", "Additional Protocol to the Convention on Cybercrime")
    by_id = _by_id(protocol)
    assert list(by_id) == ["ap-en:header", "ap-en:art1", "ap-en:art2:1"]
    assert {c.lang for c in protocol} == {"en"} and by_id["ap-en:art2:1"].path == ("Chapter I – Common provisions",)
    assert [s.label for s in by_id["ap-en:art2:1"].spans] == ["a"]
    assert label(by_id["ap-en:art2:1"], "en", "a") == "Additional Protocol, Article 2(1)(a)"


def test_a_chapter_of_a_national_code_with_editorial_notes():
    code = parse_act("КРИМІНАЛЬНИЙ КОДЕКС УКРАЇНИ\nРозділ XVI\nКРИМІНАЛЬНІ ПРАВОПОРУШЕННЯ У СФЕРІ КОМП’ЮТЕРІВ\n"
                     "{Назва розділу XVI в редакції Закону № 2289-IV від 05.06.2005}\n"
                     "Стаття 361. Несанкціоноване втручання в роботу систем\n"
                     "1. Несанкціоноване втручання в роботу систем, що призвело до витоку інформації, -\n"
                     "карається штрафом.\n2. Ті самі дії, вчинені повторно, -\nкараються позбавленням волі.\n"
                     "Стаття 361-1. Створення шкідливих програмних засобів\n"
                     "1. Створення шкідливих програмних засобів, передбачених статтями 361-363-1, -\nкарається штрафом.\n",
                     "kk", "Кримінальний кодекс України")
    by_id = _by_id(code)
    assert list(by_id) == ["kk:header", "kk:art361:1", "kk:art361:2", "kk:art361-1:1"]
    assert by_id["kk:art361:1"].path == ("Розділ XVI – КРИМІНАЛЬНІ ПРАВОПОРУШЕННЯ У СФЕРІ КОМП’ЮТЕРІВ",)
    assert "{Назва розділу XVI" in by_id["kk:header"].text  # the note is kept, not glued to the heading
    assert by_id["kk:art361:1"].text == ("1. Несанкціоноване втручання в роботу систем, що призвело до витоку "
                                         "інформації, - карається штрафом.")  # a line that opens nothing continues
    assert label(by_id["kk:art361-1:1"], "uk") == "п. 1 ст. 361-1 Кримінального кодексу України"
    assert label(by_id["kk:art361:2"], "en") == "Criminal Code of Ukraine, Article 361(2)"
    assert "-" not in by_id["kk:art361-1:1"].refs
