"""Real source files for the ingest tests, written in the test run by real writers (fpdf2, pypdf, Pillow,
python-docx) or as bytes in the encodings users send (cp1251 text, a cp1251 page saved from zakon.rada)."""

from __future__ import annotations

import importlib.util
import zipfile
from pathlib import Path

import pytest

from tests.conftest import MINI_CONVENTION

_FONT_PLACES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
    Path("/usr/local/share/fonts/DejaVuSans.ttf"),
)

PDF_HEADER = "Коментар до Конвенції — робочий текст"
# Page 1 ends mid-sentence; page 2 goes on in lower case: one paragraph, cited on page 1.
PDF_PAGES: list[list[list[str]]] = [
    [
        ["Розділ 1. Збереження даних"],
        ["Термінове збереження даних за статтею 16 застосовується до комп'ютер-",
         "них даних, які вже існують і зберігаються постачальником послуг."],
        ["1. Строк збереження, за яким сторона може вимагати зберігати дані,",
         "становить до дев'яноста днів із можливістю подовження."],
        ["Орган, що видає розпорядження, повинен зважати на пропорційність",
         "втручання і на те, що ордер на розкриття даних видається"],
    ],
    [
        ["окремо і пізніше, за правилами статті 18 Конвенції."],
        ["Розділ 2. Розкриття даних"],
        ["Часткове розкриття даних про рух інформації дозволяє встановити",
         "шлях передачі повідомлення через кількох постачальників послуг."],
        ["Ключовий приклад коментаря: сторона отримує дані від оператора Бета",
         "протягом сорока восьми годин після запиту."],
    ],
]


def dejavu_font() -> Path:
    """DejaVu Sans for Cyrillic PDFs: the system's copy, else matplotlib's bundled one, else skip."""
    for place in _FONT_PLACES:
        if place.is_file():
            return place
    spec = importlib.util.find_spec("matplotlib")
    if spec and spec.origin:
        bundled = Path(spec.origin).parent / "mpl-data" / "fonts" / "ttf" / "DejaVuSans.ttf"
        if bundled.is_file():
            return bundled
    pytest.skip("no DejaVuSans.ttf (apt-get install fonts-dejavu-core, or the eval extra's matplotlib): "
                "a Cyrillic PDF cannot be written without a Cyrillic TTF font")


def write_pdf(path: Path, pages: list[list[list[str]]] = PDF_PAGES, title: str | None = None) -> Path:
    """A text PDF, line by line: a running header, paragraphs 4 mm apart, the page number in the footer."""
    fpdf = pytest.importorskip("fpdf", reason="fpdf2 (the test extra) writes the PDF")
    pdf = fpdf.FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_font("DejaVu", "", str(dejavu_font()))
    if title:
        pdf.set_title(title)
    for number, paragraphs in enumerate(pages, start=1):
        pdf.add_page()
        pdf.set_font("DejaVu", size=9)
        pdf.text(70, 12, PDF_HEADER)
        pdf.set_font("DejaVu", size=11)
        y = 30.0
        for lines in paragraphs:
            for line in lines:
                pdf.text(20, y, line)
                y += 6
            y += 4
        pdf.set_font("DejaVu", size=9)
        pdf.text(104, 287, str(number))
    pdf.output(str(path))
    return path


def write_encrypted_pdf(source: Path, path: Path, user_password: str = "secret") -> Path:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    for page in PdfReader(str(source)).pages:
        writer.add_page(page)
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    with path.open("wb") as fh:
        writer.write(fh)
    return path


def write_scanned_pdf(path: Path) -> Path:
    """Two pages that are pictures of text only (grey bars standing for lines): no text layer."""
    from PIL import Image, ImageDraw

    images = []
    for _ in range(2):
        image = Image.new("RGB", (620, 877), "white")
        draw = ImageDraw.Draw(image)
        for row in range(12):
            draw.rectangle((60, 80 + row * 40, 560, 96 + row * 40), fill="grey")
        images.append(image)
    images[0].save(path, "PDF", save_all=True, append_images=images[1:], resolution=72)
    return path


def write_docx(path: Path) -> Path:
    """Headings at two levels, automatically numbered paragraphs, bullets, a table, an outline-level heading."""
    docx = pytest.importorskip("docx", reason="python-docx writes the DOCX")
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = docx.Document()
    document.core_properties.title = "Коментар до статті 16"
    document.add_heading("Загальні положення", level=1)
    document.add_paragraph("Стаття 16 вимагає від сторін забезпечити термінове збереження даних.")
    document.add_heading("Строки збереження", level=2)
    document.add_paragraph("Перший пронумерований абзац: строк становить дев'яносто днів.", style="List Number")
    document.add_paragraph("Другий пронумерований абзац: строк може бути подовжено.", style="List Number")
    document.add_paragraph("Маркований пункт про постачальника послуг.", style="List Bullet")
    outlined = document.add_paragraph("Розкриття даних")  # Normal style, heading only by outline level 0
    p_pr = outlined._p.get_or_add_pPr()
    level = OxmlElement("w:outlineLvl")
    level.set(qn("w:val"), "0")
    p_pr.append(level)
    document.add_paragraph("Ордер на розкриття видає суд за статтею 18 у справі оператора Гамма.")
    table = document.add_table(rows=2, cols=2)
    for row, cells in enumerate((("Стаття", "Строк"), ("16", "90 днів"))):
        for col, text in enumerate(cells):
            table.cell(row, col).text = text
    document.save(str(path))
    return path


def write_zip_as_docx(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes/readme.txt", "not a word document")
    return path


NAV_HTML = """<!DOCTYPE html>
<html lang="uk"><head><meta charset="utf-8"><title>Коментар до статті 2 | Юридичний блог</title>
<script>var tracking = "Стаття 99 – не текст";</script><style>p { color: red }</style></head>
<body>
<header><a href="/">Юридичний блог</a><nav><ul><li><a href="/a">Головна</a></li><li><a href="/b">Про нас</a></li></ul></nav></header>
<div class="cookie-banner">Ми використовуємо файли cookie.</div>
<main>
<article>
<h1>Незаконний доступ: коментар до статті 2</h1>
<p>Стаття 2 Конвенції криміналізує навмисний доступ до комп'ютерної системи без права на це,
<a href="/art2">текст статті</a> подано нижче.</p>
<h2>Ознаки складу</h2>
<p>Сторона може вимагати, щоб злочин був вчинений шляхом порушення заходів безпеки.</p>
<ol><li>Перша ознака: навмисність.</li><li>Друга ознака: відсутність права.</li></ol>
<ul><li>Приклад: підбір пароля до поштової скриньки сусіда Омеги.</li></ul>
<table><tr><th>Стаття</th><th>Діяння</th></tr><tr><td>2</td><td>Незаконний доступ</td></tr></table>
</article>
</main>
<aside><h3>Популярне</h3><p>Інший допис про статтю 3.</p></aside>
<form><label>Пошук</label><input name="q"></form>
<footer><p>© 2026 Юридичний блог. Усі права захищено.</p></footer>
</body></html>
"""


def zakon_html() -> bytes:
    """A page shaped like one saved from zakon.rada.gov.ua: cp1251, rvps/rvts classes, menus around the
    act's text; the act is the test suite's mini-convention, one <p> per block of its text."""
    paragraphs = []
    for block in MINI_CONVENTION.strip().split("\n\n"):
        text = block.replace("\n", "\n ")
        if text.startswith(("Стаття", "Розділ")):
            anchor = f'<a name="n{len(paragraphs)}"></a>'
            paragraphs.append(f'<p class="rvps7">{anchor}<span class="rvts9">{text}</span></p>')
        else:
            paragraphs.append(f'<p class="rvps2"><a name="n{len(paragraphs)}"></a>{text}</p>')
    page = f"""<!DOCTYPE html>
<!-- saved from url=(0049)https://zakon.rada.gov.ua/laws/show/994_575#Text -->
<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251">
<title>Конвенція про кіберзлочинність | Законодавство України</title></head>
<body>
<div id="header"><div class="menu"><a href="/laws">Законодавство</a> <a href="/laws/main/new">Нові</a></div></div>
<ul class="nav nav-tabs"><li><a href="#">Картка документа</a></li><li><a href="#">Текст</a></li><li><a href="#">Історія</a></li></ul>
<div id="article">
<div class="rvts0">
{chr(10).join(paragraphs)}
</div>
</div>
<div id="footer"><p>© Верховна Рада України <a href="/help">Довідка</a></p></div>
</body></html>
"""
    return page.encode("cp1251")


CP1251_TEXT = """Нотатки адвоката

Стаття 29 Конвенції дозволяє запитувати термінове збереження даних,
що зберігаються на території іншої сторони.

Запит надсилає центральний орган; у нашій справі це був запит до оператора Дельта
щодо журналів доступу за квітень.
"""

MARKDOWN_TEXT = """# Конспект лекції

Вступ до теми кіберзлочинності.

## Стаття 6

Зловживання пристроями охоплює *виготовлення* та **продаж** [програм](https://example.org).

1. Перше: пристрій створений для вчинення злочину.
2. Друге: пароль або код доступу.

- маркер без номера

### Застереження

Сторона може зробити застереження щодо пункту 1.

| Стаття | Тема |
|---|---|
| 6 | Пристрої |
"""


def write_book_pdf(path: Path, pages: int = 3, paragraphs: int = 3) -> Path:
    """Book layout: justified paragraphs with an indented first line and no space between them, a centred
    heading on page 1 with no space after it, and a running header whose page number moves with the page
    ("Посібник з кіберправа, с. 5")."""
    fpdf = pytest.importorskip("fpdf", reason="fpdf2 (the test extra) writes the PDF")
    pdf = fpdf.FPDF(format="A4")
    pdf.set_auto_page_break(True, 20)
    pdf.add_font("DejaVu", "", str(dejavu_font()))
    sentence = ("Стаття 16 Конвенції передбачає термінове збереження комп'ютерних даних, що зберігаються, "
                "включаючи дані про рух інформації, які були збережені за допомогою комп'ютерної системи. ")
    for page in range(pages):
        pdf.add_page()
        pdf.set_font("DejaVu", size=9)
        pdf.cell(0, 5, f"Посібник з кіберправа, с. {page + 5}", align="R", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(6)
        pdf.set_font("DejaVu", size=11)
        if page == 0:  # a centred heading with no space after it
            pdf.cell(0, 6, "Загальні положення", align="C", new_x="LMARGIN", new_y="NEXT")
        for k in range(paragraphs):
            pdf.multi_cell(0, 6, f"        Абзац {k + 1} сторінки {page + 1}. " + sentence * 2, align="J",
                           new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path
