import pytest

from qa.errors import CorpusError
from qa.sources.convention_parser import parse_convention
from qa.sources.titles import ARTICLE_TITLES_EN

from .conftest import CONVENTION_FILE, MINI_CONVENTION


@pytest.fixture(scope="module")
def chunks():
    return parse_convention(CONVENTION_FILE.read_text(encoding="utf-8"), str(CONVENTION_FILE))


def _article(chunks, number):
    return [c for c in chunks if c.article == number]


def test_all_48_articles_with_ukrainian_and_english_titles(chunks):
    titles = {c.article: (c.title_uk, c.title_en) for c in chunks if c.article}
    assert sorted(titles, key=int) == [str(n) for n in range(1, 49)]
    assert titles["2"] == ("Незаконний доступ", "Illegal access")
    assert titles["16"][0] == "Термінове збереження комп’ютерних даних, які зберігаються"
    assert titles["35"] == ("Цілодобова мережа", "24/7 Network")
    assert all(en == ARTICLE_TITLES_EN[a] for a, (_, en) in titles.items())


# Article 27 has 9 numbered paragraphs in this text (as in the English original); its paragraph 1
# says "пунктів 2 – 10", which the parser records as a cross-reference but does not invent a 10th for.
@pytest.mark.parametrize("article,count", [("16", 4), ("27", 9), ("29", 7), ("24", 7), ("1", 1), ("2", 1), ("6", 3)])
def test_paragraph_counts(chunks, article, count):
    assert len(_article(chunks, article)) == count
    assert [c.paragraph for c in _article(chunks, article)] == ([None] if count == 1 else
                                                               [str(n) for n in range(1, count + 1)])


def test_article_without_numbered_paragraphs_is_one_chunk_with_its_subparagraphs(chunks):
    (art1,) = _article(chunks, "1")
    assert art1.paragraph is None
    assert [s.label for s in art1.spans] == ["a", "b", "c", "c.i", "c.ii", "d"]
    d = next(s for s in art1.spans if s.label == "d")
    assert art1.text[d.start:].startswith("d. “дані про рух інформації”")


def test_subparagraphs_stay_inside_their_paragraph(chunks):
    p1 = next(c for c in chunks if c.chunk_id == "convention:art6:1")
    assert "i. пристроїв, включаючи комп’ютерні програми" in p1.text
    assert "b. володіння предметом" in p1.text
    assert [s.label for s in p1.spans] == ["a", "a.i", "a.ii", "b"]
    p3 = next(c for c in chunks if c.chunk_id == "convention:art14:3")
    assert p3.text.startswith("3. a. Кожна Сторона")
    assert [s.label for s in p3.spans] == ["a", "b", "b.i", "b.ii"]


def test_paths_follow_chapter_section_title(chunks):
    c = next(c for c in chunks if c.chunk_id == "convention:art16:1")
    assert c.path[0].startswith("Розділ II")
    assert c.path[1] == "Частина 2 – Процедурне право"
    assert c.path[2].startswith("Заголовок 2")
    assert next(c for c in chunks if c.article == "23").path[0] == "Розділ III – Міжнародне співробітництво"


def test_header_preamble_and_closing(chunks):
    header = chunks[0]
    assert header.kind == "header"
    assert "Дата ратифікації: 07.09.2005" in header.text
    assert "N 2824-IV" in header.text and "Дата набрання чинності: 01.07.2006" in header.text
    preamble = [c for c in chunks if c.kind == "preamble"]
    assert preamble[0].text.startswith("Держави-члени Ради Європи")
    assert preamble[-1].text == "Домовились про таке:"
    closing = chunks[-1]
    assert closing.kind == "closing" and "Вчинено в Будапешті 23 листопада 2001 року" in closing.text
    assert all("Автор –" not in c.text for c in chunks)


def test_cross_references(chunks):
    art11 = {c.paragraph: c.refs for c in _article(chunks, "11")}
    assert art11["1"] == tuple(str(n) for n in range(2, 11))
    assert art11["2"] == ("3", "4", "5", "7", "8", "9.1.a", "9.1.c")
    assert art11["3"] == ("11.2",)  # "пункт 2 цієї Статті"
    art6_2 = next(c for c in chunks if c.chunk_id == "convention:art6:2")
    assert "6.1" in art6_2.refs  # "пункті 1 цієї статті" → same article
    art37 = next(c for c in chunks if c.chunk_id == "convention:art37:1")
    assert "20" not in art37.refs  # "статті 20.d Статуту Ради Європи" is another act


def test_database_codes_are_kept_as_links(chunks):
    art15 = next(c for c in chunks if c.chunk_id == "convention:art15:1")
    assert art15.links == ("995_004", "995_043")
    assert "( 995_004 )" in art15.text


def test_text_is_verbatim_modulo_line_wrapping(chunks):
    raw = " ".join(CONVENTION_FILE.read_text(encoding="utf-8").split())
    for c in chunks:
        assert " ".join(c.text.split()) in raw, c.chunk_id


def test_mini_convention():
    chunks = parse_convention(MINI_CONVENTION, "mini.txt")
    ids = [c.chunk_id for c in chunks]
    assert ids == ["convention:header", "convention:preamble:1", "convention:preamble:2", "convention:art1",
                   "convention:art2", "convention:art3:1", "convention:art3:2"]
    art3 = chunks[-2:]
    assert art3[0].refs == ("1", "2") and art3[1].refs == ("3.1",)


def test_gap_in_article_numbers_names_file_and_line():
    broken = MINI_CONVENTION.replace("Стаття 2 – Незаконний доступ", "Стаття 7 – Незаконний доступ")
    with pytest.raises(CorpusError, match=r"mini\.txt:\d+: article 7 where article 2 was expected"):
        parse_convention(broken, "mini.txt")


def test_file_without_articles_is_rejected():
    with pytest.raises(CorpusError, match="no articles"):
        parse_convention("Конвенція\n\nПреамбула\n\nтекст\n", "x.txt")
