"""What each hotspot of a page opens: the article page of its article, box or figure.

An article, a box or a figure that stands on the page gets a page of its own; a figure
or box inside an article opens that article's page at its own id.  The composed
layout's groups carry the same ids as the model's items (``layout.compose.page``).
"""

from __future__ import annotations

from dataclasses import dataclass

from layout.read.model import Article, Box, Figure, Issue, Page
from layout.render import epub_xhtml
from layout.render.epub_xhtml import article_title, join_lines
from layout.render.web.document import href

Item = Article | Box | Figure


@dataclass(frozen=True)
class Target:
    """Where a group's hotspot goes and what it is called."""

    item: Item  # the item whose page opens (the article for a figure inside one)
    file: str  # the article page, relative to the issue folder
    fragment: str | None  # the figure or box inside that page
    name: str  # the hotspot's accessible name

    @property
    def url(self) -> str:
        return href(self.file) + (f"#{href(self.fragment)}" if self.fragment else "")


def figure_title(fig: Figure) -> str:
    """图片：the caption's first sentence (what a reader sees first), else the alt text."""
    text = fig.caption.text.strip() if fig.caption else (fig.alt or "")
    first = text.split("。")[0]
    if len(first) > 40:
        first = first[:40] + "…"
    return f"图片：{first}" if first else "图片"


def box_title(box: Box) -> str:
    return join_lines(box.title) if box.title else (box.label or "相关链接")


def item_title(item: Item) -> str:
    """The title of an item's page: its headline (h1) and the search result's title."""
    if isinstance(item, Article):
        return article_title(item)
    if isinstance(item, Box):
        return box_title(item)
    return figure_title(item)


def item_file(item: Item) -> str:
    """``<id>.html``; an id that would take the name of the issue index or a page view is prefixed."""
    if item.id == "index" or item.id.startswith(("page-", "item-")):
        return f"item-{item.id}.html"
    return f"{item.id}.html"


def standalone_items(page: Page, lead: Article | None = None) -> list[Item]:
    """The items of a page that get a page of their own, in the EPUB's reading order: the
    page's lead first (``lead``: the issue's, as ``epub_xhtml.issue_lead`` finds it)."""
    order = epub_xhtml.reading_order(page, epub_xhtml.lead_on(page, lead))
    return [it for it in order if isinstance(it, Article | Box | Figure)]


def page_targets(page: Page) -> dict[str, Target]:
    """Group id → target, for every article, box and figure of the page (nested included)."""
    out: dict[str, Target] = {}
    for item in standalone_items(page):
        out[item.id] = Target(item, item_file(item), None, item_title(item))
        if isinstance(item, Article):
            for sub in (*item.figures, *item.boxes):
                name = f"{item_title(sub)}（{item_title(item)}）"
                out[sub.id] = Target(item, item_file(item), sub.id, name)
    return out


def issue_items(issue: Issue) -> list[tuple[Page, Item]]:
    return [(page, item) for page in issue.pages for item in standalone_items(page)]
