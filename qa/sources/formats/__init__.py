"""Reading source files of any supported format into one document model.

    from qa.sources.formats import read_document, IngestError
    doc = read_document(Path("report.pdf"))          # SourceDocument, or IngestError (one line) on bad input
    for block in doc.blocks: block.page, block.heading_path, block.paragraph, block.numbering, block.text

Formats: PDF with a text layer (pypdf), DOCX (python-docx), HTML (BeautifulSoup + lxml), Markdown
(markdown-it-py), plain text in UTF-8, cp1251 or another Cyrillic page (detected; `doc.encoding`).
Parser packages are imported inside the readers, so importing this package costs nothing.
"""

from __future__ import annotations

from pathlib import Path

from .blocks import is_article_heading
from .detect import DEFAULT_MAX_BYTES, check_file, decode_text, detect_format
from .errors import IngestError, fail
from .model import BLOCK_KINDS, FORMATS, Block, SourceDocument, detect_languages, locator, place

__all__ = ["BLOCK_KINDS", "DEFAULT_MAX_BYTES", "FORMATS", "Block", "IngestError", "SourceDocument",
           "detect_format", "detect_languages", "locator", "place", "read_document"]


def read_document(path: Path | str, max_bytes: int = DEFAULT_MAX_BYTES) -> SourceDocument:
    """Read one file into a SourceDocument, or raise IngestError with one line naming the file and the fix.

    The size is checked before anything is read; the format comes from the magic bytes and the suffix.
    """
    path = Path(path)
    check_file(path, max_bytes)
    try:
        return _read(path)
    except OSError as exc:  # unreadable (permissions, a vanished file, an I/O error)
        raise fail(path, f"cannot read the file ({exc.strerror or type(exc).__name__})",
                   "check that it is readable and add it again") from None


def _read(path: Path) -> SourceDocument:
    with path.open("rb") as fh:
        head = fh.read(8192)
    fmt = detect_format(path, head)
    encoding: str | None = None
    pages: int | None = None
    likely_act = False
    if fmt == "pdf":
        from .pdf_reader import read_pdf

        blocks, title, pages = read_pdf(path)
    elif fmt == "docx":
        from .docx_reader import read_docx

        blocks, title = read_docx(path)
    else:
        data = path.read_bytes()
        if fmt == "html":
            from .html_reader import decode_html, read_html

            text, encoding = decode_html(data, path)
            blocks, title, likely_act = read_html(text, data)
        else:
            text, encoding = decode_text(data, path)
            if fmt == "markdown":
                from .markdown_reader import read_markdown

                blocks, title = read_markdown(text)
            else:
                from .text_reader import read_text

                blocks, title = read_text(text)
    if not blocks:
        raise fail(path, f"no text found in this {fmt.upper()} file", "add a document with text in it")
    articles = sum(1 for b in blocks if b.kind == "heading" and is_article_heading(b.text))
    return SourceDocument(
        title=title or _first_heading(blocks) or path.stem, format=fmt, blocks=blocks, encoding=encoding,
        languages=detect_languages(b.text for b in blocks), likely_act=likely_act or articles >= 2,
        pages=pages)


def _first_heading(blocks: tuple[Block, ...]) -> str | None:
    return next((b.text for b in blocks if b.kind == "heading"), None)
