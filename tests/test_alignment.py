"""Ukrainian and English provisions paired over the real files, and what happens when they do not pair."""

import shutil
import warnings

import pytest

from qa.errors import CorpusError
from qa.indexing.store import read_store, write_store
from qa.sources.alignment import AlignmentReport, AlignmentWarning, align, check
from qa.sources.chunks import Chunk
from qa.sources.convention_parser import parse_convention
from qa.sources.corpus import ENGLISH_SOURCE, corpus_files, load_chunks, load_corpus, source_texts
from qa.sources.english_parser import english_source_text, parse_english
from qa.sources.titles import ARTICLE_TITLES_EN

from .conftest import CONVENTION_FILE, CORPUS_DIR, MINI_CONVENTION

ENGLISH_FILE = CORPUS_DIR / "budapest-convention.en.md"

MINI_EN = """####Convention on Cybercrime

Preamble The member States of the Council of Europe hereto, Have agreed as follows:
### CHAPTER  I  

####USE OF TERMS

### Article  1  

####Definitions

For the purposes of this Convention: 

a) ``computer system" means any device;  

b) ``computer data" means any representation of facts.  

### CHAPTER  II  

####MEASURES

### Article  2  

####Illegal access

Each Party shall establish as criminal offences the access without right. 

### Article  3  

####Illegal interception

1.   Each Party shall establish the interception, as provided in Articles 1 through 2.   
2.   A Party may require dishonest intent in paragraph 1.  
"""


@pytest.fixture(scope="module")
def aligned():
    uk = parse_convention(CONVENTION_FILE.read_text(encoding="utf-8"), str(CONVENTION_FILE))
    en = parse_english(ENGLISH_FILE.read_text(encoding="utf-8"), str(ENGLISH_FILE))
    return uk, align(uk, en)


def _by_id(chunks):
    return {c.chunk_id: c for c in chunks}


def test_report_over_the_real_files_lists_only_the_header(aligned):
    uk, (chunks, report) = aligned
    assert [u.chunk_id for u in report.ukrainian_only] == ["convention:header"]
    assert report.english_only == () and report.label_mismatches == () and report.recital_mismatches == ()
    assert report.structural == () and report.warnings == ()
    assert report.paired == len(uk) - 1 == 161
    assert report.to_json()["ukrainian_only"] == [
        {"chunk_id": "convention:header", "side": "uk", "where": f"{ENGLISH_FILE}:1"}]


def test_ukrainian_chunks_are_unchanged_but_for_the_english_fields(aligned):
    uk, (chunks, _) = aligned
    assert [c.chunk_id for c in chunks] == [c.chunk_id for c in uk]
    for before, after in zip(uk, chunks):
        assert (before.text, before.spans, before.path, before.refs, before.title_uk, before.position) == (
            after.text, after.spans, after.path, after.refs, after.title_uk, after.position)


def test_every_numbered_and_lettered_paragraph_is_paired(aligned):
    _, (chunks, _) = aligned
    convention = [c for c in chunks if c.source == "convention" and c.kind != "header"]
    assert all(c.text_en for c in convention)
    for c in convention:
        assert [s.label for s in c.spans] == [s.label for s in c.spans_en], c.chunk_id
        if c.paragraph and c.kind == "article":
            assert c.text_en.startswith(f"{c.paragraph}."), c.chunk_id
    art27 = [c for c in convention if c.article == "27"]
    assert [c.paragraph for c in art27] == [str(n) for n in range(1, 10)]
    assert sum(len(c.spans_en) for c in convention) == sum(len(c.spans) for c in convention) == 99


def test_pairs_say_the_same_thing(aligned):
    by_id = _by_id(aligned[1][0])
    assert "ninety days" in by_id["convention:art16:2"].text_en and "90 днів" in by_id["convention:art16:2"].text
    assert "sixty days" in by_id["convention:art29:7"].text_en
    d = by_id["convention:art1"]
    span = next(s for s in d.spans_en if s.label == "d")
    assert d.text_en[span.start:span.end].startswith('d) "traffic data" means')
    assert d.span_en_at(span.start + 5, span.start + 20).label == "d"
    assert "24/7" in by_id["convention:art35:1"].title_en


def test_preamble_18_recitals_and_closing_paired(aligned):
    by_id = _by_id(aligned[1][0])
    pairs = [(by_id[f"convention:preamble:{n}"].text, by_id[f"convention:preamble:{n}"].text_en) for n in range(1, 19)]
    assert pairs[1][0].startswith("Вважаючи") and pairs[1][1].startswith("Considering")
    assert pairs[7][0].startswith("Вважаючи") and pairs[7][1].startswith("Believing")
    assert pairs[10][0].startswith("Також пам’ятаючи") and pairs[10][1].startswith("Mindful also")
    assert "1989" in pairs[11][0] and "1989" in pairs[11][1]
    assert pairs[17] == ("Домовились про таке:", "Have agreed as follows:")
    closing = by_id["convention:closing"]
    assert "Будапешті" in closing.text and "DONE at Budapest" in closing.text_en


def test_official_titles_replace_the_projects_own(aligned):
    _, (chunks, _) = aligned
    titles = {c.article: c.title_en for c in chunks if c.article}
    assert titles["2"] == "Illegal access"
    differing = {a for a, t in titles.items() if t != ARTICLE_TITLES_EN[a]}
    assert differing == {"29"}  # the project had added "(mutual assistance)"
    assert titles["29"] == "Expedited preservation of stored computer data"
    art16 = _by_id(chunks)["convention:art16:1"]
    assert art16.path_en == ("Chapter II – Measures to be taken at the national level", "Section 2 – Procedural law",
                             "Title 2 – Expedited preservation of stored computer data")


def test_english_text_is_verbatim_in_the_source_text(aligned):
    source = english_source_text(ENGLISH_FILE.read_text(encoding="utf-8"))
    for c in aligned[1][0]:
        if c.text_en:
            assert " ".join(c.text_en.split()) in source, c.chunk_id


def test_commentary_is_not_aligned():
    chunks, report = load_corpus(corpus_files(CORPUS_DIR))
    assert len(chunks) == 166
    assert report is not None and report.is_clean()  # the header is listed, not an error
    assert [u.chunk_id for u in report.ukrainian_only] == ["convention:header"]
    assert all(not c.text_en and not c.spans_en for c in chunks if c.kind == "commentary")
    sources = source_texts(corpus_files(CORPUS_DIR))
    assert set(sources) == {"convention", ENGLISH_SOURCE, "commentary-regionalization"}
    assert "sovereignty, security, ordre public or other" in sources[ENGLISH_SOURCE]


def test_chunks_with_english_survive_the_store(tmp_path, aligned):
    chunks = aligned[1][0]
    write_store(tmp_path / "chunks.sqlite", chunks, [[] for _ in chunks])
    back, _ = read_store(tmp_path / "chunks.sqlite")
    assert back == chunks


# --- the mini corpus: optional English file, mismatches ---------------------------------------------


def _mini(tmp_path, english: str | None, *extra: tuple[str, str]):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "convention.txt").write_text(MINI_CONVENTION, encoding="utf-8")
    if english is not None:
        (corpus / "convention.en.md").write_text(english, encoding="utf-8")
    for name, text in extra:
        (corpus / name).write_text(text, encoding="utf-8")
    return corpus_files(corpus)


def test_corpus_without_english_still_works(tmp_path):
    chunks, report = load_corpus(_mini(tmp_path, None))
    assert report is None
    assert all(c.text_en == "" for c in chunks)
    assert _by_id(chunks)["convention:art2"].title_en == ARTICLE_TITLES_EN["2"]


def test_mini_corpus_pairs(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        chunks, report = load_corpus(_mini(tmp_path, MINI_EN))
    assert [u.chunk_id for u in report.structural] == []
    by_id = _by_id(chunks)
    assert by_id["convention:art3:2"].text_en == "2. A Party may require dishonest intent in paragraph 1."
    assert [s.label for s in by_id["convention:art1"].spans_en] == ["a", "b"]


def test_missing_article_is_a_corpus_error_naming_file_and_line(tmp_path):
    # Article 3 (the last one) is missing from the English text: the parser cannot see a gap, alignment does.
    files = _mini(tmp_path, MINI_EN[: MINI_EN.index("### Article  3")])
    with pytest.raises(CorpusError, match=r"convention\.en\.md:\d+: convention:art3:1 has no English counterpart"):
        load_chunks(files)


def test_missing_paragraph_is_a_corpus_error(tmp_path):
    files = _mini(tmp_path, MINI_EN.replace("2.   A Party may require dishonest intent in paragraph 1.  \n", ""))
    with pytest.raises(CorpusError, match=r"convention\.en\.md:\d+: convention:art3:2 has no English counterpart"):
        load_chunks(files)


def test_extra_english_paragraph_is_a_corpus_error(tmp_path):
    files = _mini(tmp_path, MINI_EN + "3.   An extra paragraph.\n")
    with pytest.raises(CorpusError, match=r"convention\.en\.md:\d+: convention:art3:3 has no Ukrainian counterpart"):
        load_chunks(files)


def test_unpaired_subparagraph_is_a_warning(tmp_path):
    files = _mini(tmp_path, MINI_EN.replace('b) ``computer data"', 'c) ``computer data"'))
    with pytest.warns(AlignmentWarning, match=r"convention:art1: sub-paragraphs differ \(Ukrainian \['a', 'b'\], "
                                              r"English \['a', 'c'\]\)"):
        chunks = load_chunks(files)
    assert len(chunks) == len(parse_convention(MINI_CONVENTION, "x"))


def test_recital_with_a_foreign_opening_is_a_warning(tmp_path):
    files = _mini(tmp_path, MINI_EN.replace("Preamble The member States of the Council of Europe hereto,",
                                            "Preamble Whereas the member States agree,"))
    with pytest.warns(AlignmentWarning, match=r"convention:preamble:1: recital opens with 'Whereas the'"):
        load_chunks(files)


def test_two_english_texts_are_refused(tmp_path):
    files = _mini(tmp_path, MINI_EN, ("second.en.md", MINI_EN))
    with pytest.raises(CorpusError, match="at most one English convention text.*convention.en.md, second.en.md"):
        load_chunks(files)


def test_english_markdown_commentary_is_still_commentary(tmp_path):
    chunks = load_chunks(_mini(tmp_path, None, ("notes.md", "# Notes\n\nArticle 16 is about preservation.\n")))
    assert any(c.source == "notes" for c in chunks)


def test_check_passes_a_clean_report():
    check(AlignmentReport("x.md", 3))
    assert AlignmentReport("x.md", 3).is_clean()


def test_alignment_leaves_other_sources_alone():
    commentary = Chunk("notes:1", "notes", "commentary", "text", "en", 0)
    en = parse_english(MINI_EN, "m.md")
    out, report = align([commentary], en)
    assert out == [commentary]
    assert len(report.english_only) == len(en.provisions)


def test_real_corpus_copy_is_the_shared_file():
    shared = CORPUS_DIR.parent.parent / "shared" / "corpus" / "budapest-convention.en.md"
    if not shared.exists():
        pytest.skip(f"{shared} is not on this machine")
    assert shutil.os.path.getsize(shared) == ENGLISH_FILE.stat().st_size
    assert shared.read_bytes() == ENGLISH_FILE.read_bytes()
