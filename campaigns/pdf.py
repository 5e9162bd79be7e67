"""A PDF made by WeasyPrint, with what a job says of it when it is ready."""

from dataclasses import dataclass

from django.template.defaultfilters import filesizeformat
from django.utils.translation import ngettext


@dataclass(frozen=True)
class RenderedPdf:
    content: bytes
    pages: int

    def summary(self) -> str:
        """The job's closing words, in the active language: "PDF ready: 4 pages, 275.0 KB"."""
        return ngettext(
            "PDF ready: %(pages)s page, %(size)s.",
            "PDF ready: %(pages)s pages, %(size)s.",
            self.pages,
        ) % {"pages": self.pages, "size": filesizeformat(len(self.content))}


def pdf_render(html, *, finisher=None, **render_options) -> RenderedPdf:
    """Lay out a ``weasyprint.HTML`` and write it, keeping its number of pages.

    What ``HTML.write_pdf`` does in one step, in its two, so that the pages can be counted
    without parsing the PDF again.
    """
    document = html.render(**render_options)
    return RenderedPdf(content=document.write_pdf(finisher=finisher), pages=len(document.pages))
