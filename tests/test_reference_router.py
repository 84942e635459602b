import pytest

from qa.reference_router import find_references, follow_up_paragraph


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
