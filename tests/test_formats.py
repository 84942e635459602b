"""Readers of source files, over real files written in the test run (fpdf2, pypdf, Pillow, python-docx,
cp1251 bytes), and every bad input: one IngestError, one line, naming the file and what to do."""

from __future__ import annotations

import random
import subprocess
import zipfile
from pathlib import Path

import pytest

from qa.sources.convention_parser import parse_convention
from qa.sources.formats import Block, IngestError, SourceDocument, locator, read_document
from tests import source_files as files
from tests.conftest import MINI_CONVENTION


def _one_line_error(path: Path, *needles: str, **kwargs) -> str:
    with pytest.raises(IngestError) as caught:
        read_document(path, **kwargs)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"{path.name}: "), message
    for needle in needles:
        assert needle in message, message
    return message


@pytest.fixture(scope="module")
def pdf_path(tmp_path_factory) -> Path:
    return files.write_pdf(tmp_path_factory.mktemp("pdf") / "commentary.pdf", title="Коментар до статті 16")


# --- PDF -----------------------------------------------------------------------------------------------

def test_pdf_keeps_pages_and_paragraph_ordinals(pdf_path):
    doc = read_document(pdf_path)
    assert (doc.format, doc.pages, doc.encoding, doc.languages) == ("pdf", 2, None, ("uk",))
    assert doc.title == "Коментар до статті 16"  # from the PDF's metadata
    beta = next(b for b in doc.blocks if "оператора Бета" in b.text)
    assert (beta.kind, beta.page, beta.paragraph) == ("paragraph", 2, 2)
    assert locator(beta, "uk") == "с. 2, абз. 2" and locator(beta, "en") == "p. 2, para. 2"
    assert beta.text == ("Ключовий приклад коментаря: сторона отримує дані від оператора Бета "
                         "протягом сорока восьми годин після запиту.")


def test_pdf_rebuilds_paragraphs_and_drops_running_lines(pdf_path):
    doc = read_document(pdf_path)
    texts = [b.text for b in doc.blocks]
    assert not any(files.PDF_HEADER in t for t in texts)  # the running header is gone
    assert not any(t.strip() in {"1", "2"} for t in texts)  # so are the bare page numbers
    first = next(b for b in doc.blocks if b.text.startswith("Термінове збереження"))
    assert "комп'ютерних даних" in first.text and "комп'ютер-" not in first.text  # hyphenation joined
    numbered = next(b for b in doc.blocks if b.numbering == "1")
    assert numbered.text.startswith("1. Строк збереження") and "дев'яноста днів" in numbered.text
    # the paragraph that runs over the page break is one block, cited on the page it starts on
    carried = next(b for b in doc.blocks if b.text.startswith("Орган, що видає"))
    assert carried.page == 1 and carried.paragraph == 3
    assert carried.text.endswith("видається окремо і пізніше, за правилами статті 18 Конвенції.")
    headings = [(b.text, b.page) for b in doc.blocks if b.kind == "heading"]
    assert headings == [("Розділ 1. Збереження даних", 1), ("Розділ 2. Розкриття даних", 2)]


def test_pdf_keeps_body_lines_that_repeat_at_page_edges(tmp_path):
    """Only lines set apart by a gap can be running headers: a formula that ends every page's last
    paragraph, or a first line whose number follows the page, is text and stays."""
    pages = [[[f"Абзац 1 сторінки {n}: сторона забезпечує збереження даних,", "на строк до дев'яноста днів."],
              [f"Абзац 2 сторінки {n}: запит виконується негайно,", "на строк до дев'яноста днів."]]
             for n in range(1, 6)]
    doc = read_document(files.write_pdf(tmp_path / "formulaic.pdf", pages))
    assert [(b.page, b.paragraph) for b in doc.blocks] == [(n, k) for n in range(1, 6) for k in (1, 2)]
    assert all(b.text.endswith("на строк до дев'яноста днів.") for b in doc.blocks)
    assert not any(files.PDF_HEADER in b.text for b in doc.blocks)


def test_pdf_paragraphs_by_first_line_indent(tmp_path):
    doc = read_document(files.write_book_pdf(tmp_path / "book.pdf"))
    heading, *paragraphs = doc.blocks
    assert (heading.kind, heading.text, heading.page) == ("heading", "Загальні положення", 1)
    assert [(b.page, b.paragraph) for b in paragraphs] == [(p, k) for p in (1, 2, 3) for k in (1, 2, 3)]
    assert all(b.text.startswith(f"Абзац {b.paragraph} сторінки {b.page}. Стаття 16") for b in paragraphs)
    assert all(b.text.endswith("за допомогою комп'ютерної системи.") for b in paragraphs)
    assert not any("Посібник" in b.text for b in doc.blocks)  # header with a moving page number dropped


def test_pdf_with_owner_password_only_opens(pdf_path, tmp_path):
    locked = files.write_encrypted_pdf(pdf_path, tmp_path / "owner-only.pdf", user_password="")
    assert any("оператора Бета" in b.text for b in read_document(locked).blocks)


def test_encrypted_pdf_is_refused(pdf_path, tmp_path):
    locked = files.write_encrypted_pdf(pdf_path, tmp_path / "locked.pdf")
    _one_line_error(locked, "encrypted PDF", "unprotected copy")


def test_scanned_pdf_says_no_ocr(tmp_path):
    scanned = files.write_scanned_pdf(tmp_path / "scan.pdf")
    _one_line_error(scanned, "no text layer in 2 page(s)", "no OCR here", "ocrmypdf")


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_corrupted_pdf_is_refused(pdf_path, tmp_path, damage):
    bad = tmp_path / "broken.pdf"
    data = pdf_path.read_bytes()
    bad.write_bytes(b"%PDF-1.7\n" + random.Random(7).randbytes(4000) if damage == "garbage" else data[: len(data) // 2])
    _one_line_error(bad, "corrupted PDF", "export or download the PDF again")


def test_pdf_without_pages_is_refused(tmp_path):
    from pypdf import PdfWriter

    empty = tmp_path / "no-pages.pdf"
    PdfWriter().write(str(empty))
    _one_line_error(empty, "corrupted PDF (no pages)")


def test_text_named_pdf_is_called_misnamed(tmp_path):
    fake = tmp_path / "report.pdf"
    fake.write_text("просто текст", encoding="utf-8")
    _one_line_error(fake, "not a PDF", "corrupted or misnamed")


def test_content_wins_over_suffix(pdf_path, tmp_path):
    renamed = tmp_path / "commentary.txt"
    renamed.write_bytes(pdf_path.read_bytes())
    assert read_document(renamed).format == "pdf"


# --- DOCX ----------------------------------------------------------------------------------------------

def test_docx_headings_numbering_lists_and_tables(tmp_path):
    doc = read_document(files.write_docx(tmp_path / "commentary.docx"))
    assert (doc.format, doc.title, doc.encoding, doc.languages) == ("docx", "Коментар до статті 16", None, ("uk",))
    by_start = {b.text[:12]: b for b in doc.blocks}
    first = by_start["1. Перший пр"]
    assert (first.kind, first.numbering, first.heading_path, first.paragraph) == \
        ("list_item", "1", ("Загальні положення", "Строки збереження"), 1)
    assert by_start["2. Другий пр"].numbering == "2"
    bullet = by_start["Маркований п"]
    assert (bullet.kind, bullet.numbering, bullet.paragraph) == ("list_item", None, 3)
    outlined = by_start["Розкриття да"]
    assert (outlined.kind, outlined.heading_path) == ("heading", ())  # heading by outline level alone
    gamma = next(b for b in doc.blocks if "оператора Гамма" in b.text)
    assert gamma.heading_path == ("Розкриття даних",) and gamma.paragraph == 1
    assert locator(gamma, "uk") == "«Розкриття даних», абз. 1"
    assert [b.text for b in doc.blocks if "|" in b.text] == ["Стаття | Строк", "16 | 90 днів"]


def test_zip_of_something_else_named_docx(tmp_path):
    _one_line_error(files.write_zip_as_docx(tmp_path / "notes.docx"), "zip archive of something else",
                    "save it as .docx")


def test_corrupted_docx(tmp_path):
    broken = tmp_path / "broken.docx"
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types")
        archive.writestr("word/document.xml", "<w:document><oops")
    _one_line_error(broken, "corrupted DOCX", "save it again")
    truncated = tmp_path / "truncated.docx"
    truncated.write_bytes(files.write_docx(tmp_path / "whole.docx").read_bytes()[:3000])
    _one_line_error(truncated, "DOCX", "save it again")


# --- HTML ----------------------------------------------------------------------------------------------

def test_html_main_text_without_boilerplate(tmp_path):
    page = tmp_path / "post.html"
    page.write_text(files.NAV_HTML, encoding="utf-8")
    doc = read_document(page)
    text = doc.to_text()
    assert (doc.format, doc.encoding, doc.likely_act) == ("html", "utf-8", False)
    assert doc.title == "Незаконний доступ: коментар до статті 2"
    for boilerplate in ("Головна", "Про нас", "cookie", "Популярне", "Інший допис", "Пошук", "©",
                        "Стаття 99", "color: red"):
        assert boilerplate not in text, boilerplate
    omega = next(b for b in doc.blocks if "Омеги" in b.text)
    assert omega.kind == "list_item" and omega.heading_path == (doc.title, "Ознаки складу")
    second = next(b for b in doc.blocks if b.numbering == "2")
    assert second.text == "2. Друга ознака: відсутність права."
    assert any(b.text.endswith("текст статті подано нижче.") for b in doc.blocks)  # link text kept in prose


def test_html_inline_markup_and_wrapped_blocks(tmp_path):
    page = tmp_path / "old.html"
    page.write_text("<html><body><font face=Arial><p>Перший <b>ком</b>п'ютерний абзац.</p><p>Другий абзац.</p>"
                    "</font><ol start=3><li><p>Третій</p><p>пункт.</p></li></ol></body></html>", encoding="utf-8")
    doc = read_document(page)
    assert [b.text for b in doc.blocks] == ["Перший комп'ютерний абзац.", "Другий абзац.", "3. Третій пункт."]
    assert doc.blocks[2].numbering == "3"


def test_zakon_rada_page_reads_as_an_act(tmp_path):
    page = tmp_path / "994_575.htm"
    page.write_bytes(files.zakon_html())
    doc = read_document(page)
    assert (doc.encoding, doc.likely_act, doc.title) == ("cp1251", True, "Конвенція про кіберзлочинність")
    text = doc.to_text()
    for boilerplate in ("Картка документа", "Історія", "Нові", "Верховна Рада України", "Довідка"):
        assert boilerplate not in text, boilerplate
    articles = [b.text for b in doc.blocks if b.kind == "heading" and b.text.startswith("Стаття")]
    assert articles == ["Стаття 1 – Визначення", "Стаття 2 – Незаконний доступ", "Стаття 3 – Нелегальне перехоплення"]
    point = next(b for b in doc.blocks if b.numbering == "2" and b.heading_path[-1].startswith("Стаття 3"))
    assert point.text.startswith("2. Сторона може вимагати")
    # the act parser reads the page's text exactly as it reads the same act saved as plain text
    from_page = parse_convention(text, page.name)
    from_text = parse_convention(MINI_CONVENTION, page.name)
    assert [(c.chunk_id, c.text) for c in from_page] == [(c.chunk_id, c.text) for c in from_text]


# --- Markdown and plain text ---------------------------------------------------------------------------

def test_markdown_headings_lists_and_inline_markup(tmp_path):
    notes = tmp_path / "lecture.md"
    notes.write_text(files.MARKDOWN_TEXT, encoding="utf-8")
    doc = read_document(notes)
    assert (doc.format, doc.encoding, doc.title) == ("markdown", "utf-8", "Конспект лекції")
    prose = next(b for b in doc.blocks if b.text.startswith("Зловживання"))
    assert prose.text == "Зловживання пристроями охоплює виготовлення та продаж програм."
    assert prose.heading_path == ("Конспект лекції", "Стаття 6")
    second = next(b for b in doc.blocks if b.numbering == "2")
    assert (second.kind, second.text) == ("list_item", "2. Друге: пароль або код доступу.")
    reservation = next(b for b in doc.blocks if b.text.startswith("Сторона може зробити"))
    assert reservation.heading_path == ("Конспект лекції", "Стаття 6", "Застереження")
    assert "6 | Пристрої" in [b.text for b in doc.blocks]


def test_markdown_front_matter_is_metadata(tmp_path):
    note = tmp_path / "note.md"
    note.write_text("---\ntitle: \"Нотатка про статтю 19\"\ntags: [obsidian]\n---\nОбшук комп'ютерної системи.\n",
                    encoding="utf-8")
    doc = read_document(note)
    assert doc.title == "Нотатка про статтю 19"
    assert [(b.kind, b.text) for b in doc.blocks] == [("paragraph", "Обшук комп'ютерної системи.")]


def test_languages_of_a_mixed_document(tmp_path):
    mixed = tmp_path / "mixed.md"
    mixed.write_text("# Коментар\n\nСтаття 16 вимагає термінового збереження даних постачальником послуг.\n\n"
                     "> Each Party shall adopt such legislative and other measures as may be necessary.\n",
                     encoding="utf-8")
    assert read_document(mixed).languages == ("uk", "en")


def test_cp1251_text_is_detected_and_reported(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_bytes(files.CP1251_TEXT.encode("cp1251"))
    doc = read_document(notes)
    assert (doc.format, doc.encoding, doc.title, doc.languages) == ("text", "cp1251", "Нотатки адвоката", ("uk",))
    delta = doc.blocks[2]
    assert delta.text == ("Запит надсилає центральний орган; у нашій справі це був запит до оператора Дельта "
                          "щодо журналів доступу за квітень.")
    assert (delta.paragraph, delta.page, delta.heading_path) == (3, None, ())


@pytest.mark.parametrize("encoding", ["koi8_u", "cp1125", "utf-8", "utf-16"])
def test_other_text_encodings_are_named(tmp_path, encoding):
    notes = tmp_path / "notes.txt"
    notes.write_bytes(files.CP1251_TEXT.encode(encoding))
    doc = read_document(notes)
    assert doc.encoding == encoding and doc.blocks[2].text.endswith("за квітень.")


def test_form_feeds_are_pages_and_act_lines_are_headings(tmp_path):
    act = tmp_path / "act.txt"
    act.write_text("Стаття 1. Визначення\n\n1. Перший пункт.\n\fСтаття 2. Сфера\n\nДругий абзац.\n", encoding="utf-8")
    doc = read_document(act)
    assert doc.likely_act
    assert [(b.kind, b.page, b.paragraph) for b in doc.blocks] == \
        [("heading", 1, None), ("paragraph", 1, 1), ("heading", 2, None), ("paragraph", 2, 1)]
    # a sentence that starts with "Стаття 16 Конвенції" is prose, not a heading
    prose = tmp_path / "prose.txt"
    prose.write_text("Стаття 16 Конвенції передбачає збереження даних\n", encoding="utf-8")
    assert read_document(prose).blocks[0].kind == "paragraph"


# --- the rest of the bad inputs ------------------------------------------------------------------------

def test_empty_and_blank_files(tmp_path):
    empty = tmp_path / "empty.pdf"
    empty.touch()
    _one_line_error(empty, "the file is empty")
    blank = tmp_path / "blank.txt"
    blank.write_text(" \n\n \t\n", encoding="utf-8")
    _one_line_error(blank, "no text found")


def test_size_limit_is_checked_before_reading(tmp_path):
    huge = tmp_path / "huge.pdf"
    subprocess.run(["truncate", "-s", "200M", str(huge)], check=True)  # sparse: no 200 MB written
    _one_line_error(huge, "200 MB is over the 50 MB limit", "split the document")
    small = tmp_path / "small.txt"
    small.write_text("Текст " * 400_000, encoding="utf-8")  # ~4.4 MB
    _one_line_error(small, "over the 1 MB limit", max_bytes=2**20)
    assert read_document(small, max_bytes=10 * 2**20).encoding == "utf-8"


@pytest.mark.parametrize("name,content,needle", [
    ("scan.png", b"\x89PNG\r\n\x1a\n" + bytes(64), "an image (PNG)"),
    ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64), "old binary Office file"),
    ("blob.bin", bytes(range(256)) * 8, "unknown format (binary data)"),
    ("data.xyz", "просто текст".encode(), "unknown format '.xyz'"),
    ("archive.zip", None, "unknown format: a zip archive"),
])
def test_unknown_formats(tmp_path, name, content, needle):
    path = tmp_path / name
    if content is None:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("a.txt", "x")
    else:
        path.write_bytes(content)
    _one_line_error(path, needle)


def test_undecodable_text(tmp_path):
    salad = tmp_path / "salad.txt"
    rng = random.Random(3)
    salad.write_bytes(bytes(rng.choice(list(range(0x80, 0x100)) + [0x20] * 20) for _ in range(3000)))
    _one_line_error(salad, "undecodable text", "save it as UTF-8")


def test_missing_file_and_directory(tmp_path):
    _one_line_error(tmp_path / "nowhere.pdf", "no such file")
    with pytest.raises(IngestError, match="not a regular file"):
        read_document(tmp_path)


# --- the model -----------------------------------------------------------------------------------------

def test_documents_round_trip_through_json(pdf_path, tmp_path):
    doc = read_document(pdf_path)
    assert SourceDocument.from_json(doc.to_json()) == doc
    block = Block("1. Текст", "list_item", None, ("A", "B"), 4, "1")
    assert Block.from_json(block.to_json()) == block
    with pytest.raises(ValueError):
        Block("текст", "footnote")
