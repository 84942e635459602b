"""A registered source's document → its citable chunks (one concept: what the index holds for a source).

Commentary (and, for now, translations): one chunk per non-heading block, its text verbatim, carrying
the block's page (PDF) or heading path (DOCX, HTML, Markdown) and its paragraph ordinal, so the answer
cites `Коментар: <назва>, с. 12, абз. 3` exactly where the reader finds it. A block longer than the
embedder's window is cut between sentences (`commentary_parser.bounded`); the pieces keep the block's
page and paragraph and are numbered `<id>:<n>.<k>`. Acts go to the act parser, cited as their own document.
"""

from __future__ import annotations

import logging
from pathlib import Path

from .chunks import Chunk
from .commentary_parser import bounded
from .crossrefs import extract_links, extract_refs, extract_refs_en
from .formats import Block, IngestError, SourceDocument
from .language import detect_language
from .registry import DB_NAME, SourceRecord, SourceRegistry

log = logging.getLogger("qa.ingest")


def source_chunks(record: SourceRecord, document: SourceDocument) -> list[Chunk]:
    """The chunks of one registered source, by its kind.

    `translation` is chunked as commentary for now: a translation's paragraphs are not yet aligned to the
    provisions they translate, so they are cited by page or heading like any commentary."""
    if record.kind == "act":
        return _act_chunks(record, document)
    return commentary_chunks(record, document)


def commentary_chunks(record: SourceRecord, document: SourceDocument) -> list[Chunk]:
    """One chunk per paragraph or list item of the document (headings live on in each chunk's `path`)."""
    chunks: list[Chunk] = []
    blocks = [b for b in document.blocks if b.kind != "heading"]
    for n, block in enumerate(blocks, start=1):
        pieces = bounded(block.text)
        for k, text in enumerate(pieces, start=1):
            suffix = f"{n}.{k}" if len(pieces) > 1 else str(n)
            chunks.append(_chunk(record, block, text, f"{record.id}:{suffix}", len(chunks)))
    return chunks


def _chunk(record: SourceRecord, block: Block, text: str, chunk_id: str, position: int) -> Chunk:
    lang = detect_language(text)
    refs = extract_refs(text, None) if lang == "uk" else extract_refs_en(text)
    return Chunk(
        chunk_id=chunk_id, source=record.id, kind="commentary", text=text, lang=lang, position=position,
        paragraph=str(block.paragraph) if block.paragraph is not None else None,
        title_uk=record.title, title_en=record.title, path=block.heading_path, refs=refs,
        links=extract_links(text), doc_title=record.title, page=block.page)


def _act_chunks(record: SourceRecord, document: SourceDocument) -> list[Chunk]:
    """An act's articles, by the act parser (cited as `ст. 3 <act>`); imported here, where it is needed."""
    try:
        from .act_parser import parse_act
    except ModuleNotFoundError as exc:
        if exc.name != f"{__package__}.act_parser":
            raise
        raise IngestError(f"{record.file_name}: reading acts other than the Convention is not available in "
                          "this version; add it with --kind commentary to cite it by page or heading") from None
    return parse_act(document.to_text(), record.id, record.title)


def registered_sources(index_dir: Path) -> list[tuple[SourceRecord, list[Chunk]]]:
    """Every source of the registry beside this index with its chunks, read again from the stored copies:
    what a full build adds to the corpus, so a rebuild never drops them. A source whose copy can no longer
    be read is left out with a warning (the registry keeps it; `qa sources remove` drops it)."""
    if not (Path(index_dir) / DB_NAME).is_file():
        return []
    registry = SourceRegistry(index_dir)
    out: list[tuple[SourceRecord, list[Chunk]]] = []
    for record in registry.list():
        try:
            out.append((record, source_chunks(record, registry.read(record))))
        except IngestError as exc:
            log.warning("source %s left out of the index: %s", record.id, exc)
    return out
