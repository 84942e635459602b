"""The official Ukrainian text of the convention: one act parsed by qa.sources.act_parser with the
Convention's strict grammar (articles 1…N, paragraphs 1…N, a header, a preamble and a closing formula)."""

from __future__ import annotations

from .act_parser import CONVENTION_GRAMMAR, ActParser, Block, split_blocks
from .chunks import Chunk

__all__ = ["Block", "ConventionParser", "looks_like_convention", "parse_convention", "split_blocks"]


def looks_like_convention(raw: str) -> bool:
    return sum(1 for b in split_blocks(raw) if CONVENTION_GRAMMAR.article.match(b.text)) >= 1


class ConventionParser(ActParser):
    """The act parser with the Convention's source id, title and grammar."""

    def __init__(self, raw: str, filename: str, doc_title: str = "Конвенція про кіберзлочинність"):
        super().__init__(raw, filename, doc_title=doc_title)


def parse_convention(raw: str, filename: str) -> list[Chunk]:
    return ConventionParser(raw, filename).parse()
