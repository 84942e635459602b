from qa.sources.crossrefs import extract_links, extract_refs, link_url


def test_ranges_lists_and_dotted_references():
    assert extract_refs("у статтях 3 – 5, 7, 8, 9.1.a та 9.1.c цієї Конвенції", "11") == (
        "3", "4", "5", "7", "8", "9.1.a", "9.1.c")


def test_paragraph_of_other_article():
    refs = extract_refs("пунктом 1.b статті 6, статтею 7, пунктом 3 статті 9", "40")
    assert refs == ("6.1.b", "9.3", "7")


def test_relative_references_resolve_to_the_same_article():
    assert extract_refs("положення пунктів 2 – 10 цієї статті", "27") == tuple(f"27.{n}" for n in range(2, 11))
    assert extract_refs("пунктах 1.b – 1.d цієї статті", "22") == ("22.1.b", "22.1.c", "22.1.d")
    assert extract_refs("відповідно до підпункту a. цієї статті", "27", "9") == ("27.9.a",)


def test_links():
    assert extract_links("Конвенцією ( 995_004 ) і Законом ( 2824-15 )") == ("995_004", "2824-15")
    assert link_url("995_004") == "https://zakon.rada.gov.ua/laws/show/995_004"


def test_articles_of_another_named_act_are_not_cross_references():
    assert extract_refs("відповідно до статті 361 Кримінального кодексу України", "3") == ()
    assert extract_refs("статтею 5 Закону України «Про інформацію» і статтею 2 цього Закону", "4") == ("2",)
    assert extract_refs("статті 20.d Статуту Ради Європи", "46") == ()
