"""Which reader a file needs, from its first bytes and its suffix together, and how a text file is decoded.

Size and emptiness are checked from the file system before a byte is read, so a 200 MB upload costs
nothing. Magic bytes win over the suffix (a PDF named .txt is read as PDF); a suffix that promises a
format the bytes do not hold is reported as corrupted or misnamed rather than guessed around.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from pathlib import Path

from .errors import fail

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
SUPPORTED = ".pdf, .docx, .html, .md, .txt"
_HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
_MD_SUFFIXES = {".md", ".markdown"}
_TEXT_SUFFIXES = {".txt", ".text", ""}
# Other binary formats a user is likely to try, each with what to do instead.
_FOREIGN_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"\xd0\xcf\x11\xe0", "an old binary Office file (.doc/.xls)", "save it as .docx or PDF and add that"),
    (b"{\\rtf", "an RTF file", "save it as .docx or PDF and add that"),
    (b"\x89PNG", "an image (PNG)", "no OCR here: add a PDF with a text layer"),
    (b"\xff\xd8\xff", "an image (JPEG)", "no OCR here: add a PDF with a text layer"),
    (b"GIF8", "an image (GIF)", "no OCR here: add a PDF with a text layer"),
    (b"II*\x00", "an image (TIFF)", "no OCR here: add a PDF with a text layer"),
    (b"MM\x00*", "an image (TIFF)", "no OCR here: add a PDF with a text layer"),
    (b"\x1f\x8b", "a gzip archive", "unpack it and add the document inside"),
    (b"7z\xbc\xaf", "a 7-Zip archive", "unpack it and add the document inside"),
    (b"Rar!", "a RAR archive", "unpack it and add the document inside"),
)
_CYRILLIC_PAGES = ("cp1251", "koi8_u", "cp1125", "mac_cyrillic", "iso8859_5")
_SAMPLE = 200_000  # characters scored per candidate decoding: enough to tell, cheap on a 50 MB file
_MIN_SCORE = 0.6  # below this every decoding is letter salad: the bytes are not text in any page we know
_WORD = re.compile(r"[^\W\d_]+")
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b", re.I | re.S)


def check_file(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> int:
    """The file's size, after refusing a missing, empty or oversized file without reading it."""
    if not path.exists():
        raise fail(path, "no such file", "check the path")
    if not path.is_file():
        raise fail(path, "not a regular file", "give the path of one document")
    size = path.stat().st_size
    if size == 0:
        raise fail(path, "the file is empty", "add a document with text in it")
    if size > max_bytes:
        raise fail(path, f"{_human(size)} is over the {_human(max_bytes)} limit",
                   "split the document or raise the limit")
    return size


def _human(size: int) -> str:
    return f"{size / 2**20:.0f} MB" if size >= 2**20 else f"{size / 2**10:.0f} KB"


def detect_format(path: Path, head: bytes) -> str:
    """'pdf' | 'docx' | 'html' | 'markdown' | 'text' from the first bytes (`head`) and the suffix."""
    suffix = path.suffix.lower()
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_format(path, suffix)
    for magic, what, remedy in _FOREIGN_MAGIC:
        if head.startswith(magic):
            raise fail(path, f"unknown format: {what}", remedy)
    if suffix == ".pdf":
        raise fail(path, "not a PDF (no %PDF header): corrupted or misnamed", "export the PDF again")
    if suffix in {".docx", ".docm"}:
        raise fail(path, "not a DOCX (not a zip package): corrupted or misnamed", "save it again as .docx")
    if _looks_binary(head):
        raise fail(path, "unknown format (binary data)", f"add one of {SUPPORTED}")
    if suffix in _HTML_SUFFIXES or _HTML_START.match(head.lstrip(b"\xef\xbb\xbf")):
        return "html"
    if suffix in _MD_SUFFIXES:
        return "markdown"
    if suffix in _TEXT_SUFFIXES:
        return "text"
    raise fail(path, f"unknown format '{suffix}'", f"add one of {SUPPORTED}")


def _zip_format(path: Path, suffix: str) -> str:
    """A zip is a DOCX only if it holds word/document.xml; anything else zipped is refused by name."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError) as exc:
        if suffix in {".docx", ".docm"}:
            raise fail(path, f"corrupted DOCX ({exc})", "open it in Word and save it again") from None
        raise fail(path, "unknown format: a damaged zip archive", f"add one of {SUPPORTED}") from None
    if "word/document.xml" in names:
        return "docx"
    if suffix in {".docx", ".docm"}:
        raise fail(path, "not a Word document: a zip archive of something else (no word/document.xml)",
                   "open it in Word and save it as .docx")
    if "content.xml" in names:
        raise fail(path, "unknown format: an OpenDocument file", "save it as .docx or PDF and add that")
    raise fail(path, "unknown format: a zip archive", "unpack it and add the document inside")


def _looks_binary(head: bytes) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 text has NULs but is text
        return False
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return b"\x00" in head or controls > len(head) * 0.05


def decode_text(data: bytes, path: Path) -> tuple[str, str]:
    """(text, encoding): BOM, then strict UTF-8, then the best-scoring Cyrillic code page or charset-normalizer's
    guess. charset-normalizer alone often names the wrong Cyrillic page for short Ukrainian texts (koi8 vs
    cp1251 vs mac_cyrillic), so every Cyrillic page is decoded and scored on how word-like the result is."""
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(encoding), "utf-8" if encoding == "utf-8-sig" else encoding
            except UnicodeDecodeError:
                raise fail(path, f"undecodable text (starts with a {encoding} mark but is not {encoding})",
                           "save it as UTF-8") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates: dict[str, str] = {}
    for encoding in _CYRILLIC_PAGES:
        try:
            candidates[encoding] = data.decode(encoding)
        except UnicodeDecodeError:
            continue
    guess = _normalizer_guess(data)
    if guess:
        candidates.setdefault(*guess)
    scored = [(_score(text[:_SAMPLE]), -i, enc) for i, (enc, text) in enumerate(candidates.items())
              if _plausible(text[:_SAMPLE])]
    scored = [entry for entry in scored if entry[0] >= _MIN_SCORE]
    if not scored:
        raise fail(path, "undecodable text (neither UTF-8 nor a known Cyrillic or Western code page)",
                   "save it as UTF-8")
    _, _, best = max(scored)
    return candidates[best], best


def _normalizer_guess(data: bytes) -> tuple[str, str] | None:
    from charset_normalizer import from_bytes

    match = from_bytes(data[:_SAMPLE * 2]).best()
    if match is None:
        return None
    try:
        return match.encoding, data.decode(match.encoding)
    except (LookupError, UnicodeDecodeError):
        return None


def _plausible(text: str) -> bool:
    """Text, not bytes forced through a code page: few control characters, mostly letters and spaces."""
    if not text:
        return False
    controls = sum(1 for ch in text if unicodedata.category(ch) in {"Cc", "Co", "Cn"} and ch not in "\t\n\r\f")
    letters = sum(ch.isalpha() for ch in text)
    return controls <= len(text) * 0.01 and letters >= len(text) * 0.3


def _score(text: str) -> float:
    """Share of letters in well-cased, single-script words (lower, UPPER or Title), less symbols no prose has.

    Cyrillic decoded with the wrong page comes out with flipped case (koi8 ↔ cp1251) or with math and
    currency signs in place of letters (mac_cyrillic, cp1125 box drawing), and both lose here."""
    good = letters = 0
    for word in _WORD.findall(text):
        letters += len(word)
        cyrillic = sum(1 for ch in word if "\u0400" <= ch <= "\u04ff")
        single_script = cyrillic in (0, len(word))
        if single_script and (word.islower() or word.isupper() or (word[0].isupper() and word[1:].islower())):
            good += len(word)
    odd = sum(1 for ch in text if unicodedata.category(ch) in {"Sm", "So", "Sc", "Sk", "Lm"})
    return (good - 3 * odd) / max(letters, 1)
