"""HTML through BeautifulSoup on lxml: the main text only, in reading order, with headings as a path.

Why BeautifulSoup+lxml rather than trafilatura or justext: legislation pages are mostly short numbered
lines (`1.`, `а)`), which density-based extractors score as boilerplate and drop; here boilerplate is
dropped by what it is (nav, header, footer, aside, scripts, forms, menus, ARIA roles, nav-like class
names, link-only lines) and everything else is kept in order, so an act's `Стаття N` lines and numbered
paragraphs survive intact. lxml parses broken markup quickly; both packages are small and well kept.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Any

from .blocks import BlockBuilder, add_text_block, clean, is_article_heading
from .detect import decode_text
from .model import Block

_DROP_TAGS = ("script", "style", "noscript", "template", "nav", "aside", "form", "menu", "iframe", "svg",
              "button", "select", "input", "textarea", "label", "dialog", "object", "embed", "canvas", "map")
_DROP_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar",
               "toolbar", "dialog", "alert"}
_BOILER_NAME = re.compile(r"(?:^|[-_\s])(?:nav|navbar|navigation|menu|footer|header|sidebar|breadcrumbs?|"
                          r"cookies?|share|social|banner|advert|ads|popup|modal|toolbar|skip)(?:$|[-_\s\d])", re.I)
_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_BLOCK_TAGS = {"p", "div", "section", "article", "main", "blockquote", "pre", "dl", "dt", "dd", "figure",
               "figcaption", "center", "address", "body", "tbody", "thead", "tfoot", "caption", "hr", "ul",
               "ol", "li", "table", "tr", "td", "th", "html", "details", "summary", "hgroup", "header",
               "footer"} | set(_HEADINGS)
_LINE = "\u2028"  # stands for <br> until a block's text is split into lines
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.I)
_ZAKON = re.compile(rb"zakon\d*\.rada\.gov\.ua|class=\"?rvps\d", re.I)


def decode_html(data: bytes, path: Path) -> tuple[str, str]:
    """The page's declared charset when it decodes cleanly (zakon.rada pages were windows-1251), else detection."""
    declared = _CHARSET.search(data[:4096])
    if declared and not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        try:
            name = codecs.lookup(declared.group(1).decode("ascii")).name
            return data.decode(name), _report_name(name)
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_text(data, path)


def _report_name(codec: str) -> str:
    return {"utf_8": "utf-8", "windows-1251": "cp1251", "cp1251": "cp1251"}.get(codec, codec)


def read_html(html: str, raw: bytes = b"") -> tuple[tuple[Block, ...], str | None, bool]:
    """(blocks, title, likely_act) of an HTML page; `raw` lets a saved zakon.rada.gov.ua page be recognised."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    title = _title(soup)
    _drop_boilerplate(soup)
    for br in _tags(soup, {"br"}):
        br.replace_with(_LINE)
    builder = BlockBuilder()
    _Walker(builder).walk(_root(soup))
    blocks = builder.build()
    zakon = bool(_ZAKON.search(raw or html[:200_000].encode("utf-8", "ignore")))
    articles = sum(1 for b in blocks if b.kind == "heading" and is_article_heading(b.text))
    return blocks, title, articles >= 2 or (zakon and articles >= 1)


def _title(soup: Any) -> str | None:
    h1 = next(iter(_tags(soup, {"h1"})), None)
    if h1 and clean(h1.get_text(" ")):
        return clean(h1.get_text(" "))
    meta = next((m for m in _tags(soup, {"meta"}) if m.get("property") == "og:title"), None)
    if meta and clean(meta.get("content") or ""):
        return clean(meta["content"])
    if soup.title and clean(soup.title.get_text()):
        return re.split(r"\s+[|–—]\s+", clean(soup.title.get_text()))[0]
    return None


def _drop_boilerplate(soup: Any) -> None:
    """Remove what is never the text: by tag, by ARIA role, page-level header/footer, and small elements
    whose class or id names them as navigation (a big wrapper that happens to say "sidebar" is kept).
    One pass over the tags in Python: bs4's find_all filters cost seconds on a long act."""
    from bs4 import Comment, Tag

    for comment in [n for n in soup.descendants if isinstance(n, Comment)]:
        comment.extract()
    tags = [n for n in soup.descendants if isinstance(n, Tag)]
    total = len(soup.get_text(" ", strip=True)) or 1
    for element in tags:
        if _gone(element) or element.name in {"html", "body"}:
            continue
        if element.name in _DROP_TAGS or str(element.get("role", "")).lower() in _DROP_ROLES:
            element.decompose()
        elif element.name in {"header", "footer"} and not element.find_parent(["article", "main"]):
            element.decompose()
        elif element.attrs.get("class") or element.attrs.get("id"):
            names = " ".join([*(element.get("class") or []), str(element.get("id") or "")])
            if _BOILER_NAME.search(names) and len(element.get_text(" ", strip=True)) < 0.4 * total:
                element.decompose()


def _root(soup: Any) -> Any:
    """<main>, role=main or the largest <article> when it holds a fair share of the page, else <body>."""
    body = soup.body or soup
    total = len(body.get_text(" ", strip=True)) or 1
    candidates = [el for el in _tags(soup) if el.name in {"main", "article"} or el.get("role") == "main"]
    best = max(candidates, key=lambda el: len(el.get_text(" ", strip=True)), default=None)
    if best is not None and len(best.get_text(" ", strip=True)) >= 0.3 * total:
        return best
    return body


class _Walker:
    """Emits blocks in document order: headings, paragraphs (split at <br>), list items with their number,
    table rows as `cell | cell`; inline text between blocks becomes a paragraph of its own."""

    def __init__(self, builder: BlockBuilder) -> None:
        self.builder = builder
        self.pending: list[str] = []

    def walk(self, element: Any) -> None:
        from bs4 import NavigableString

        for child in list(element.children):
            if isinstance(child, NavigableString):
                self.pending.append(str(child))
            elif child.name in _HEADINGS:
                self.flush()
                self.builder.heading(_text(child).replace(_LINE, " "), _HEADINGS[child.name])
            elif child.name in {"ul", "ol"}:
                self.flush()
                self.list(child)
            elif child.name == "table":
                self.flush()
                self.table(child)
            elif child.name in _BLOCK_TAGS:
                self.flush()
                if _has_block(child):
                    self.walk(child)
                    self.flush()
                else:
                    self.paragraphs(child)
            elif _has_block(child):  # an inline wrapper around blocks (<font>, <a>, <span> in old pages)
                self.flush()
                self.walk(child)
            else:
                self.pending.append(_text(child))
        self.flush()

    def flush(self) -> None:
        text = "".join(self.pending)
        self.pending = []
        for line in text.split(_LINE):
            add_text_block(self.builder, line)

    def paragraphs(self, element: Any) -> None:
        if _link_heavy(element):
            return
        for line in _text(element).split(_LINE):
            add_text_block(self.builder, line)

    def list(self, element: Any) -> None:
        ordered = element.name == "ol"
        number = int(element.get("start") or 1) if str(element.get("start") or "1").isdigit() else 1
        lettered = str(element.get("type") or "") in {"a", "A"}
        for item in element.find_all("li", recursive=False):
            if str(item.get("value") or "").isdigit():
                number = int(item["value"])
            nested = item.find_all(["ul", "ol"], recursive=False)
            for sub in nested:
                sub.extract()
            if not _link_heavy(item):
                text = clean(_text(item).replace(_LINE, " "))
                label = (chr(ord("a") + number - 1) if lettered and number <= 26 else str(number)) if ordered else None
                shown = f"{label}{')' if lettered else '.'} {text}" if label and text else text
                self.builder.paragraph(shown, "list_item", numbering=label)
            number += 1
            for sub in nested:
                self.list(sub)

    def table(self, element: Any) -> None:
        for row in element.find_all("tr"):
            if row.find_parent("table") is not element:
                continue
            cells = [clean(_text(c).replace(_LINE, " ")) for c in row.find_all(["td", "th"], recursive=False)]
            self.builder.paragraph(" | ".join(c for c in cells if c))


def _text(element: Any) -> str:
    """The element's text as a browser shows it: inline tags join without a space ("<b>ком</b>п'ютер"),
    block tags inside it are separated by one."""
    from bs4 import NavigableString

    parts: list[str] = []
    for node in element.descendants:
        if isinstance(node, NavigableString):
            parts.append(str(node))
        elif node.name in _BLOCK_TAGS:
            parts.append(" ")
    return "".join(parts)


def _tags(root: Any, names: set[str] | None = None) -> list[Any]:
    """The tags under `root` (named `names`, if given) in document order, by one plain walk."""
    from bs4 import Tag

    return [n for n in root.descendants if isinstance(n, Tag) and (names is None or n.name in names)]


def _gone(element: Any) -> bool:
    """Decomposed already (inside an element dropped earlier). Read from __dict__: bs4's `decomposed`
    property goes through Tag.__getattr__, a child search, which costs seconds on a long act."""
    return bool(element.__dict__.get("_decomposed"))


def _has_block(element: Any) -> bool:
    return any(getattr(d, "name", None) in _BLOCK_TAGS for d in element.descendants)


def _link_heavy(element: Any) -> bool:
    """A short line that is mostly link text: a menu entry or a 'read more' left after the drops."""
    text = clean(element.get_text(" "))
    if not text or len(text) > 200:
        return False
    linked = sum(len(clean(a.get_text(" "))) for a in element.descendants if getattr(a, "name", None) == "a")
    return linked / len(text) > 0.6
