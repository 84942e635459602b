"""Quotes are whole rules, and answers lead with the value asked for, verbatim."""

from qa.answering.extractive import asked_value, best_quote, rule_units, sentence_spans

RULE = ("1. Each Party shall adopt such measures as may be necessary to establish jurisdiction over any "
        "offence established in accordance with Articles 2 through 11 of this Convention, when committed:\n"
        "a) in its territory; or\n"
        "b) on board a ship flying the flag of that Party; or\n"
        "c) on board an aircraft registered under the laws of that Party.\n"
        "A Party may reserve the right not to apply this paragraph in specific cases.")


def test_a_sentence_ending_in_a_colon_keeps_its_items():
    units = [RULE[s:e] for s, e in rule_units(RULE)]
    assert units[0].startswith("1. Each Party") and units[0].endswith("registered under the laws of that Party.")
    assert units[1].startswith("A Party may reserve")


def test_a_bare_heading_leaves_its_items_as_units():
    text = "For the purposes of this Convention:\na. \"x\" means one thing;\nb. \"y\" means another."
    assert [text[s:e] for s, e in rule_units(text)][1:] == ['a. "x" means one thing;', 'b. "y" means another.']


def test_a_paragraph_number_is_not_a_sentence():
    assert sentence_spans("2. Якщо Сторона вживає заходів. Друге речення.")[0] == (0, 31)


def test_the_best_quote_is_the_unit_with_most_of_the_question():
    long_rule = RULE + " " + "Filler sentence about something else entirely. " * 6
    quote = best_quote(long_rule, lambda s: s.count("ship") + s.count("aircraft"))
    assert "ship" in quote.text and "aircraft" in quote.text and not quote.text.endswith(":")


def test_the_asked_value_comes_verbatim_from_the_text():
    assert asked_value("period", "… up to a maximum of ninety days, to enable …") == "up to a maximum of ninety days"
    assert asked_value("period", "… з максимальним терміном у 90 днів. Сторона …") == "максимальним терміном у 90 днів"
    assert asked_value("age", "… persons under 18 years of age.") == "18 years"
    assert asked_value("date", "Дата ратифікації: 07.09.2005") == "07.09.2005"
    assert asked_value("period", "no number here") is None
    assert asked_value(None, "90 днів") is None
