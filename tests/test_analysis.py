"""The question analysed once: language, transliteration, what it asks for, scenarios, concepts, instruments."""

from qa.retrieval.analysis import analyse, asks_for, looks_transliterated, scenario_clauses, transliterate
from qa.retrieval.concepts import concept_layer
from qa.retrieval.instruments import answered_by_mention, named_instruments
from qa.sources.lexicon import en_stem, tokens, uk_lemma


def test_latin_transliteration_is_read_as_ukrainian():
    question = "shcho take nezakonnyi dostup za konventsiieiu?"
    assert looks_transliterated(question)
    assert transliterate(question).startswith("що таке незаконний доступ")
    q = analyse(question)
    assert q.lang == "uk" and "доступ" in q.uk_lemmas
    assert not looks_transliterated("What is illegal access under the Convention?")


def test_the_answer_language_is_the_switch_and_matching_stays_in_the_question_language():
    q = analyse("Що таке незаконний доступ?", answer_lang="en")
    assert (q.lang, q.answer_lang) == ("uk", "en")
    assert analyse("What is illegal access?").answer_lang == "en"


def test_what_kind_of_value_a_question_asks_for():
    assert asks_for("Скільки днів можна зберігати дані?") == "period"
    assert asks_for("For how long may data be preserved?") == "period"
    assert asks_for("Up to what age is a person a minor?") == "age"
    assert asks_for("When did the Convention enter into force for Ukraine?") == "date"
    assert asks_for("Чи може Сторона відмовити?") == "yesno"
    assert asks_for("What is illegal access?") is None


def test_a_fact_pattern_is_read_sentence_by_sentence():
    story = ("Our client runs a small web shop. Last Friday somebody flooded its server with millions of requests "
             "from thousands of addresses, and the shop was offline for two days. The hosting company kept "
             "the logs for a week only. The police want the logs and the attacker's subscriber data from a "
             "provider abroad. Which provisions of the Convention apply?")
    assert len(scenario_clauses(story)) >= 4
    assert scenario_clauses("What is illegal access?") == ()
    assert analyse(story).is_scenario


def test_references_named_in_passing_are_not_what_the_question_is_about():
    assert analyse("What does Article 16 say about preservation?").about_references
    assert not analyse("What limit applies to a reservation restricting real-time collection of traffic data "
                       "under Article 20 to specified offences?").about_references


def test_everyday_words_reach_the_provisions_that_cover_them():
    def targets(text):
        words = tokens(text) + tokens(text.replace("-", " "))
        found = concept_layer().match([uk_lemma(w) for w in words], [en_stem(w) for w in words])
        return {t.article for c in found for t in c.targets}

    assert "5" in targets("Чи карається DDoS-атака на сайт?")
    assert "5" in targets("A DDoS took the shop down for an hour")
    assert "8" in targets("кардинг")
    assert "9" in targets("child abuse material on a forum")
    assert targets("What is the weather like?") == set()


def test_instruments_outside_the_corpus_are_recognised():
    keys = lambda text: [i.key for i in named_instruments(text)]  # noqa: E731
    assert keys("What is the penalty for murder in Ukraine?") == ["national_law"]
    assert keys("What does the Additional Protocol require Parties to criminalise?") == ["additional_protocol"]
    assert keys("Does the GDPR apply to traffic data?") == ["data_protection"]
    assert keys("What does the Second Additional Protocol say about domain name registration?") == ["second_protocol"]
    assert keys("What does Article 39 say about other treaties?") == []
    protocol = named_instruments("Коли був прийнятий Додатковий протокол?")[0]
    assert answered_by_mention("Коли був прийнятий Додатковий протокол?", protocol)
    assert not answered_by_mention("Коли Україна ратифікувала Додатковий протокол?", protocol)


def test_ukrainian_spelling_is_restored_before_matching():
    """Missing diacritics, Russian letters and endings, doubled letters and a dropped apostrophe are repaired;
    a word the dictionary knows, and a word with no known repair, stay as typed."""
    from qa.retrieval.spelling import restore_spelling

    assert restore_spelling("шо таке дані про рух інформаціі") == "шо таке дані про рух інформації"
    assert restore_spelling("збирання данних про трафик") == "збирання даних про трафік"
    assert restore_spelling("постачальник послуг по конвенции") == "постачальник послуг по конвенції"
    assert restore_spelling("незаконий доступп до компютерної системи") == "незаконний доступ до комп'ютерної системи"
    assert restore_spelling("Що таке незаконний доступ?") == "Що таке незаконний доступ?"
    assert restore_spelling("в реальному времени") == "в реальному времени"  # no Ukrainian repair: left alone
    q = analyse("збирання данних про трафик")
    assert q.text == "збирання данних про трафик" and q.search_text == "збирання даних про трафік"
    from qa.sources.lexicon import uk_lemma

    assert uk_lemma("даних") in q.uk_lemmas  # matched as the corpus's own word form is
