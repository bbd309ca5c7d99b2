"""The web edition (数字报): a static site of page images with clickable articles.

    write_site(["source/x.xml"], "build/web")          # layout.render.web.site
    python -m layout web source/*.xml -o build/web     # the CLI (layout.cli)

Per issue: a page view per printed page (the page rendered from our own PDF, with an
SVG overlay whose hotspots are the composed frames), an article page per article, box
and figure (the EPUB's markup and stylesheet, ``epub_xhtml``/``epub_style``), an issue
index; for the whole site an archive index by date and a Pagefind search index.
"""

from layout.render.web.site import write_site

__all__ = ["write_site"]
