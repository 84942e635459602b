"""The English markdown parser over the real file, and its quirks on small made-up strings."""

import re

import pytest

from qa.errors import CorpusError
from qa.sources.english_parser import (
    english_source_text,
    looks_like_english_convention,
    parse_english,
    render_inline,
    split_recitals,
)

from .conftest import CORPUS_DIR

ENGLISH_FILE = CORPUS_DIR / "budapest-convention.en.md"

MINI_EN = """####Convention on Cybercrime

Preamble The member States hereto, Considering the aim; Have agreed as follows:
### CHAPTER  I  

####USE OF TERMS

### Article  1  

####Definitions

For the purposes of this Convention: 

a) ``computer system" means any device;  

b) ``computer data" means any representation;  

### Article  2  

####Illegal access

1.   Each Party shall adopt measures.   
2.  

a)A Party may require *ordre public*;

b) the com-munication's origin.   
### Article  3  

####Illegal interception

A Party may act. 

IN WITNESS WHEREOF the undersigned have signed this Convention.
"""


@pytest.fixture(scope="module")
def raw():
    return ENGLISH_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def doc(raw):
    return parse_english(raw, str(ENGLISH_FILE))


def _p(doc, chunk_id):
    return doc.by_id()[chunk_id]


def test_all_48_articles_with_official_titles(doc):
    titles = dict(doc.article_titles)
    assert list(titles) == [str(n) for n in range(1, 49)]
    assert titles["2"] == "Illegal access"
    assert titles["29"] == "Expedited preservation of stored computer data"
    assert titles["27"].startswith("Procedures pertaining to mutual assistance requests")
    assert dict(doc.chapter_titles) == {"I": "Use of terms", "II": "Measures to be taken at the national level",
                                        "III": "International co-operation", "IV": "Final provisions"}
    assert doc.doc_title == "Convention on Cybercrime"


def test_paths_from_chapter_section_title_headings(doc):
    # `###TITLE 4` (no space after ###) under Section 1 of Chapter II
    assert _p(doc, "convention:art10:1").path == (
        "Chapter II – Measures to be taken at the national level", "Section 1 – Substantive criminal law",
        "Title 4 – Offences related to infringements of copyright and related rights")
    assert _p(doc, "convention:art16:1").path[1:] == (
        "Section 2 – Procedural law", "Title 2 – Expedited preservation of stored computer data")
    assert _p(doc, "convention:art23").path[0] == "Chapter III – International co-operation"
    assert _p(doc, "convention:art36:1").path == ("Chapter IV – Final provisions",)
    assert _p(doc, "convention:art35:1").path[2] == "Title 3 – 24/7 Network"  # casing of Article 35's title


@pytest.mark.parametrize("article,count", [("4", 2), ("16", 4), ("24", 7), ("27", 9), ("29", 7), ("35", 3),
                                           ("46", 5), ("1", 0), ("2", 0), ("48", 0)])
def test_numbered_paragraphs(doc, article, count):
    paragraphs = [p.paragraph for p in doc.provisions if p.article == article]
    assert paragraphs == ([None] if count == 0 else [str(n) for n in range(1, count + 1)])


def test_bare_number_keeps_its_lettered_items(doc):
    p = _p(doc, "convention:art27:2")
    assert p.text.startswith("2.\na)Each Party shall designate a central authority")
    assert [s.label for s in p.spans] == ["a", "b", "c", "d"]
    d = p.spans[-1]
    assert p.text[d.start:d.end].startswith("d) The Secretary General")
    assert p.text[d.start:d.end].endswith("correct at all times.")
    assert "3. Mutual assistance" not in p.text
    assert [s.label for s in _p(doc, "convention:art27:9").spans] == ["a", "b", "c", "d", "e"]
    assert [s.label for s in _p(doc, "convention:art14:3").spans] == ["a", "b", "b.i", "b.ii"]


def test_letters_and_romans(doc):
    art1 = _p(doc, "convention:art1")
    assert [s.label for s in art1.spans] == ["a", "b", "c", "c.i", "c.ii", "d"]
    ci = next(s for s in art1.spans if s.label == "c.i")
    assert art1.text[ci.start:ci.end].startswith("(i) any public or private entity")
    c = next(s for s in art1.spans if s.label == "c")
    assert art1.text[c.start:c.end].endswith("on behalf of such communication service or users of such service;")
    assert [s.label for s in _p(doc, "convention:art6:1").spans] == ["a", "a.i", "a.ii", "b"]


def test_markdown_is_rendered(doc):
    assert 'a) "computer system" means any device' in _p(doc, "convention:art1").text
    assert "``" not in english_source_text(ENGLISH_FILE.read_text(encoding="utf-8"))
    art27_4 = _p(doc, "convention:art27:4").text
    assert "sovereignty, security, ordre public or other essential interests" in art27_4
    art10 = _p(doc, "convention:art10:1").text
    assert "under the Paris Act of 24 July 1971 revising the Bern Convention" in art10
    assert "the WIPO Copyright Treaty, with the exception" in art10  # link target with (wct)/(1996) in it
    for p in doc.provisions:
        assert not re.search(r"[\[\]*`#]|README\.md", p.text), p.chunk_id


def test_hyphenation_remnants_and_odd_text_stay_verbatim(doc):
    assert "the com-munication's origin" in _p(doc, "convention:art1").text
    assert _p(doc, "convention:art15:2").text.startswith("2. 2 Such conditions and safeguards")


def test_preamble_is_18_recitals(doc):
    recitals = [p for p in doc.provisions if p.kind == "preamble"]
    assert [p.paragraph for p in recitals] == [str(n) for n in range(1, 19)]
    assert recitals[0].text == "The member States of the Council of Europe and the other States signatory hereto,"
    assert recitals[1].text == "Considering that the aim of the Council of Europe is to achieve a greater unity between its members;"
    assert recitals[3].text.startswith("Convinced of the need") and "cybercrime,inter alia, by adopting" in recitals[3].text
    assert recitals[9].text.startswith("Mindful of the need") and "1950 Council of Europe Convention" in recitals[9].text
    assert recitals[-2].text.startswith("Having also regard to the Action Plan")
    assert recitals[-1].text == "Have agreed as follows:"
    assert all(r.text.endswith(";") for r in recitals[1:-1])


def test_closing(doc):
    closing = doc.provisions[-1]
    assert closing.kind == "closing" and closing.chunk_id == "convention:closing"
    assert closing.text.startswith("IN WITNESS WHEREOF") and "DONE at Budapest" in closing.text


def test_every_provision_is_verbatim_in_the_rendered_source(raw, doc):
    source = english_source_text(raw)
    assert len(doc.provisions) == 161
    for p in doc.provisions:
        assert " ".join(p.text.split()) in source, p.chunk_id
        for span in p.spans:
            assert " ".join(p.text[span.start:span.end].split()) in source, (p.chunk_id, span.label)


def test_render_inline():
    assert render_inline("see [the Act](../../a/(wct)/(1996)/README.md), and") == "see the Act, and"
    assert render_inline("security, *ordre public* or") == "security, ordre public or"
    assert render_inline("the term ``minor\" shall") == 'the term "minor" shall'
    assert render_inline("com-munication's  origin ") == "com-munication's  origin "  # nothing else changes
    assert render_inline("2 * 3 and 4 * 5") == "2 * 3 and 4 * 5"


def test_recognised_by_content():
    assert looks_like_english_convention(MINI_EN)
    assert not looks_like_english_convention("Стаття 1 – Визначення\n\nтекст\n")
    assert not looks_like_english_convention("# Notes on Article 16\n\nArticle 16 is about preservation.\n")


def test_mini_document():
    doc = parse_english(MINI_EN, "mini.md")
    assert [p.chunk_id for p in doc.provisions] == [
        "convention:preamble:1", "convention:preamble:2", "convention:preamble:3", "convention:art1",
        "convention:art2:1", "convention:art2:2", "convention:art3", "convention:closing"]
    art2_2 = doc.by_id()["convention:art2:2"]
    assert art2_2.text == "2.\na)A Party may require ordre public;\nb) the com-munication's origin."
    assert [s.label for s in art2_2.spans] == ["a", "b"]
    assert doc.by_id()["convention:art1"].path == ("Chapter I – Use of terms",)


def test_split_recitals():
    assert split_recitals("The States hereto, Considering x; Recognising y; Have agreed as follows:") == [
        "The States hereto,", "Considering x;", "Recognising y;", "Have agreed as follows:"]


def test_missing_article_names_file_and_line():
    broken = MINI_EN.replace("### Article  2  ", "### Article  5  ")
    line = broken.splitlines().index("### Article  5  ") + 1
    with pytest.raises(CorpusError, match=rf"^mini\.md:{line}: article 5 where article 2 was expected"):
        parse_english(broken, "mini.md")


def test_paragraph_gap_names_file_and_line():
    broken = MINI_EN.replace("2.  \n", "3.  \n")
    with pytest.raises(CorpusError, match=r"^mini\.md:\d+: article 2: paragraph 3 where paragraph 2 was expected"):
        parse_english(broken, "mini.md")


def test_heading_without_title_line_is_rejected():
    broken = MINI_EN.replace("####Illegal access\n", "")
    with pytest.raises(CorpusError, match=r"^mini\.md:\d+: heading Article 2 is not followed by its '####Title'"):
        parse_english(broken, "mini.md")


def test_text_outside_any_article_is_rejected():
    broken = MINI_EN.replace("####USE OF TERMS\n", "####USE OF TERMS\n\nStray text.\n")
    with pytest.raises(CorpusError, match=r"^mini\.md:\d+: text outside any article: 'Stray text\.'"):
        parse_english(broken, "mini.md")


def test_empty_and_articleless_files_are_rejected():
    with pytest.raises(CorpusError, match="empty"):
        parse_english("  \n\n", "e.md")
    with pytest.raises(CorpusError, match="no articles"):
        parse_english("####Convention on Cybercrime\n\nPreamble The States hereto, Have agreed:\n", "e.md")
