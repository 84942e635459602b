from qa.sources.commentary_parser import parse_commentary

from .conftest import CORPUS_DIR


def test_shipped_commentary_paragraphs_and_languages():
    raw = (CORPUS_DIR / "commentary-regionalization.txt").read_text(encoding="utf-8")
    chunks = parse_commentary(raw, "c.txt", "commentary-regionalization")
    assert [c.lang for c in chunks] == ["uk", "en", "en", "en"]
    assert chunks[0].text.startswith("Правопорушення у сфері інформаційних технологій")
    assert chunks[0].text.endswith("у цій сфері.")
    assert chunks[1].text.startswith("Offenses in the field of information technologies")
    assert chunks[2].text.startswith("Since each regional legal regime")
    assert chunks[3].text.startswith("Thus, taking into account")
    assert chunks[1].chunk_id == "commentary-regionalization:2"
    flat = " ".join(raw.split())
    assert all(c.text in flat for c in chunks)


def test_blank_line_paragraphs_and_title_line():
    raw = "# Пояснювальна доповідь\nПерший абзац.\nПродовження.\n\nSecond paragraph here.\n"
    chunks = parse_commentary(raw, "r.txt", "explanatory-report")
    assert [c.text for c in chunks] == ["Перший абзац. Продовження.", "Second paragraph here."]
    assert chunks[0].doc_title == "Пояснювальна доповідь"
    assert [c.lang for c in chunks] == ["uk", "en"]
