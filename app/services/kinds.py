"""The kinds of documents as the screens and scanners see them: which kind a number is, its
noun, and the page that shows it (app/models/kinds.py holds the declarations)."""

from __future__ import annotations

from app.models.kinds import DocumentKind, document_kind, document_kinds, kind_of_number

__all__ = ["DocumentKind", "document_kind", "document_kinds", "kind_of_number", "page_for"]


def page_for(kind: str | None, number: str, origin: str | None = None) -> tuple[str, str] | None:
    """The page that shows a document and the number to open there: its own page, or the
    page of the kind it is shown on (a receipt on its purchase order: `origin` is that
    order's number). None when no page shows it."""
    found = document_kind(kind) if kind else kind_of_number(number)
    if found is None:
        return None
    if found.page is not None:
        return found.page, number
    if found.shown_on is not None and origin:
        page = document_kind(found.shown_on).page
        return (page, origin) if page else None
    return None
