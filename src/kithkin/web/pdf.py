"""PDFs from the same HTML templates as the pages, through WeasyPrint.

A document that holds clinical data must not reach out while it renders: the fetcher accepts
only ``data:`` URLs, so a stylesheet, an image or a link in a template can never send a request
to another host or read a local file. Styles come inline in the template.
"""

from django.template.loader import render_to_string


def render_pdf(template: str, context: dict) -> bytes:
    return pdf_of(render_to_string(template, context))


def pdf_of(html: str) -> bytes:
    # Imported here: WeasyPrint loads Pango at import, and most requests never make a PDF.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols=["data"])
    return HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf()
