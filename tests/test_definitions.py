from qa.retrieval.analysis import analyse
from qa.retrieval.definitions import asks_for_definition, defining_rows, find_definitions


def test_defined_terms_are_found_in_the_text(real_index):
    found = {d.term: real_index.chunks[d.row].chunk_id for d in find_definitions(real_index.chunks)}
    assert found["дані про рух інформації"] == "convention:art1"
    assert found["неповнолітня особа"] == "convention:art9:3"
    assert found["інформація про користувача послуг"] == "convention:art18:3"


def test_most_specific_definition_wins(real_index):
    definitions = find_definitions(real_index.chunks)
    rows = defining_rows(analyse("Що таке інформація про користувача послуг?"), definitions)
    assert [real_index.chunks[r].chunk_id for r in rows] == ["convention:art18:3"]
    rows = defining_rows(analyse("What counts as traffic data?"), definitions)
    assert [real_index.chunks[r].chunk_id for r in rows] == ["convention:art1"]


def test_only_definitional_questions_are_boosted(real_index):
    definitions = find_definitions(real_index.chunks)
    assert defining_rows(analyse("How long is traffic data preserved?"), definitions) == []
    assert asks_for_definition("Що означає термін «комп’ютерна система»?", "uk")
    assert not asks_for_definition("Коли Конвенція набуває чинності?", "uk")
