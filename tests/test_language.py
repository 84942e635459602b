from qa.sources.language import detect_language


def test_detects_ukrainian_and_english():
    assert detect_language("Що таке незаконний доступ?") == "uk"
    assert detect_language("What is illegal access?") == "en"
    assert detect_language("Article 16(2) п. 2") == "en"


def test_subparagraph_markers_do_not_count_as_english():
    assert detect_language("a. b. c. i. ii. дані") == "uk"


def test_default_for_text_without_letters():
    assert detect_language("16 (2)") == "uk"
    assert detect_language("???", default="en") == "en"
