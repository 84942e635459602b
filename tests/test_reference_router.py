import pytest

from qa.retrieval.reference_router import Reference, find_references, follow_up_paragraph


@pytest.mark.parametrize(
    "question,keys",
    [
        ("ст. 16", ["16"]),
        ("Що передбачають статті 16?", ["16"]),
        ("п. 2 ст. 16", ["16.2"]),
        ("пункт 2 статті 16", ["16.2"]),
        ("стаття 16 пункт 2", ["16.2"]),
        ("ст. 16 п. 2", ["16.2"]),
        ("What does Article 16(2) say?", ["16.2"]),
        ("Art. 29 para 7", ["29.7"]),
        ("article 6 1.a.ii", ["6.1.a.ii"]),
        ("Article 6(1)(a)(ii)", ["6.1.a.ii"]),
        ("пп. a п. 1 ст. 6", ["6.1.a"]),
        ("paragraph 3 of Article 9", ["9.3"]),
        ("Compare Articles 2 and 3", ["2", "3"]),
        ("статей 14 і 15", ["14", "15"]),
        ("Що таке незаконний доступ?", []),
        ("In 2001 the Convention was signed", []),
    ],
)
def test_references(question, keys):
    assert [r.key for r in find_references(question)] == keys


def test_follow_ups():
    assert follow_up_paragraph("а пункт 3?") == "3"
    assert follow_up_paragraph("and paragraph 3?") == "3"
    assert follow_up_paragraph("What does paragraph 3 of Article 9 say?") is None


@pytest.mark.parametrize(
    "question,keys",
    [
        # no space between the word and the number: the word must not swallow a digit
        ("Що каже стаття16?", ["16"]),
        ("пункт2 статті16", ["16.2"]),
        ("стаття29", ["29"]),
        ("п.2ст.16", ["16.2"]),
        ("Article16(2)", ["16.2"]),
        ("ARTICLE 16 ( 2 )", ["16.2"]),
        ("art.29 para.7", ["29.7"]),
        # numbers that name nothing are kept whole, so they are refused instead of cited as something else
        ("п. 100 ст. 16", ["16.100"]),
        ("Article 16(100)", ["16.100"]),
        ("п. -1 ст. 16", ["16.-1"]),
        ("Article 160", ["160"]),
        ("п. 02 ст. 16", ["16.2"]),
        # other scripts' digits are digits; signs that only look like digits are not
        ("ст. ١٦ п. ٢", ["16.2"]),
        ("Article １６(２)", ["16.2"]),
        ("ст. ²", []),
        # Cyrillic look-alike sub-paragraph letters, and words that merely end in "art."
        ("пп. а п. 1 ст. 6", ["6.1.a"]),
        ("Start. 16 people came", []),
        ("[1, 2, 3]", []),
    ],
)
def test_references_in_any_spacing_script_and_number(question, keys):
    assert [r.key for r in find_references(question)] == keys


def test_follow_up_with_a_paragraph_that_does_not_exist():
    assert follow_up_paragraph("а пункт 100?") == "100"
    assert follow_up_paragraph("and paragraph -1?") == "-1"


def test_a_lettered_subparagraph_of_an_article_without_paragraphs():
    assert find_references("What does Article 1(d) say?") == [Reference("1", None, "d")]
    assert find_references("Що означає пп. b ст. 1?") == [Reference("1", None, "b")]
    assert find_references("пп. a п. 1 ст. 6") == [Reference("6", "1", "a")]


def test_a_reference_followed_or_preceded_by_an_act_name_is_to_that_act():
    from qa.retrieval.reference_router import ActNames, without_act_names

    acts = (ActNames("protocol", "Додаткового протоколу", "Additional Protocol"),
            ActNames("law", "Закону України «Про захист інформації»", "Law of Ukraine «Про захист інформації»"))
    assert find_references("Що каже п. 2 ст. 3 додаткового  протоколу?", acts) == [Reference("3", "2", None, "protocol")]
    assert find_references("Article 3 of the Additional Protocol", acts) == [Reference("3", act="protocol")]
    assert find_references("Additional Protocol, Article 3(2)", acts) == [Reference("3", "2", act="protocol")]
    assert [r.key for r in find_references('статті 2 і 3 Закону України "Про захист інформації"', acts)] == [
        "law:2", "law:3"]  # quotes may differ; a list takes the act named after it
    assert find_references("ст. 3 Конвенції і Додатковий протокол", acts) == [Reference("3")]
    assert find_references("Article 16 and the Additional Protocol", acts) == [Reference("16")]
    assert find_references("ст. 3 Додаткового протоколу") == [Reference("3")]  # no such act in the index
    assert without_act_names("ст. 3 Додаткового протоколу?", acts).split() == ["ст.", "3", "?"]
