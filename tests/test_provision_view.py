"""The provision panel's HTML over the real index: the authentic English beside the Ukrainian, the cited
paragraph (and sub-paragraph) marked in both, one column where there is one text, everything escaped."""

from __future__ import annotations

import re
from dataclasses import replace
from types import SimpleNamespace

from qa.sources.chunks import Span
from qa.surfaces.provision_view import COLUMN_LABELS, provision_html, toc, toc_markdown


def _paras(html_text: str, lang: str) -> list[str]:
    return re.findall(rf'<div class="qa-para[^"]*" lang="{lang}"[^>]*>(.*?)</div>', html_text, re.S)


def _marked(html_text: str, lang: str) -> list[str]:
    return [m for p in _paras(html_text, lang) for m in re.findall(r"<mark[^>]*>(.*?)</mark>", p, re.S)]


def test_article_shows_both_texts_paragraph_by_paragraph_with_the_cited_one_marked_in_both(real_index):
    shown = provision_html(real_index, "convention:art16:2", "en")
    assert "English (authentic)" in shown and "Українська (офіційний переклад)" in shown
    assert shown.index("English (authentic)") < shown.index("Українська (офіційний переклад)")
    assert len(_paras(shown, "en")) == len(_paras(shown, "uk")) == 4
    (en,) = _marked(shown, "en")
    (uk,) = _marked(shown, "uk")
    assert "ninety days" in en and "90 днів" in uk
    assert "Chapter II – Measures to be taken at the national level" in shown  # the English headings too
    assert "Article 16 – Expedited preservation of stored computer data" in shown
    unmarked = provision_html(real_index, "convention:art16:2", "en", highlight=False)
    assert "<mark" not in unmarked and "qa-cited" not in unmarked and len(_paras(unmarked, "en")) == 4


def test_cited_subparagraph_is_marked_in_both_languages(real_index):
    chunk = real_index.chunks[real_index.row_of["convention:art1"]]
    en_span = next(s for s in chunk.spans_en if s.label == "b")
    uk_span = next(s for s in chunk.spans if s.label == "b")
    shown = provision_html(real_index, "convention:art1", "uk", subparagraph="b")
    (en,) = _marked(shown, "en")
    (uk,) = _marked(shown, "uk")
    assert en == chunk.text_en[en_span.start:en_span.end].replace('"', "&quot;").replace("\n", "<br>")
    assert uk == chunk.text[uk_span.start:uk_span.end].replace("\n", "<br>")
    assert "computer data" in en and "комп’ютерні дані" in uk
    assert shown.count('class="qa-para qa-cited"') == 2  # the whole paragraph stays marked as cited


def test_parts_without_an_english_version_show_their_one_text(real_index):
    header = provision_html(real_index, "convention:header", "en")
    commentary_id = next(c.chunk_id for c in real_index.chunks if c.kind == "commentary")
    commentary = provision_html(real_index, commentary_id, "en")
    for shown in (header, commentary):
        assert all(name not in shown for _, name in COLUMN_LABELS)
        assert _paras(shown, "uk") and not _paras(shown, "en")
    assert _paras(provision_html(real_index, "convention:preamble:2", "uk"), "en")  # the recitals have both


def test_both_texts_are_escaped_as_text():
    from qa.sources.chunks import Chunk

    hostile = '<script>window.__pwned = 1</script> ![x](http://127.0.0.1:7899/md-img.png)'
    chunk = Chunk(chunk_id="convention:art2", source="convention", kind="article", text=f"Стаття {hostile}",
                  lang="uk", position=0, article="2", title_uk="Незаконний доступ", title_en='Illegal <b>access</b>',
                  text_en=f"a) Article {hostile}", spans_en=(Span("a", 0, 10),), spans=(Span("a", 0, 6),),
                  path_en=("Chapter <i>II</i>",))
    index = SimpleNamespace(row_of={chunk.chunk_id: 0}, chunks=[chunk])
    shown = provision_html(index, chunk.chunk_id, "en", subparagraph="a")
    assert "<script>" not in shown and "<b>access" not in shown and "<i>" not in shown
    assert shown.count("&lt;script&gt;") == 2 and "Chapter &lt;i&gt;II&lt;/i&gt;" in shown
    assert _marked(shown, "en") == ["a) Article"] and _marked(shown, "uk") == ["Стаття"]
    missing = replace(chunk, text_en="", spans_en=(), path_en=())
    one = provision_html(SimpleNamespace(row_of={chunk.chunk_id: 0}, chunks=[missing]), chunk.chunk_id, "en")
    assert "<script>" not in one and not _paras(one, "en")


def test_contents_name_every_article_in_both_languages(real_index):
    entries = dict((chunk_id, text) for text, chunk_id in toc(real_index))
    assert len(entries) == 48
    assert "ст. 2 – Незаконний доступ / Illegal access" in entries["convention:art2"]
    markdown = toc_markdown(real_index)
    assert "Expedited preservation of stored computer data" in markdown and "ст. 29 – " in markdown
