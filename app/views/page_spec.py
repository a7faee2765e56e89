"""What a page of the main window is, declared apart from the list of pages: a feature
package's `PAGES` imports this alone, so importing one of its modules first never sets off
the search for every package's pages (app/views/pages.py) halfway through its own."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING

from app.services.engine.permissions import Permission

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from app.views.common.page import Page
    from app.views.common.runner import AppContext


@dataclass(frozen=True)
class PageSpec:
    """A page: its key (for `ctx.navigate`), its title in the navigation list, the class
    that builds it ("module:Class", imported on first use), a shortcut, the permission a
    role needs to see it, and whether it is listed (detail pages are opened from others;
    `section` names the listed page the navigation shows as current meanwhile). A page
    kept off the list under a hub (`section` naming a page declared with `hub=True`, such as
    Administration) is offered on the hub's page with its `summary`; the hub is listed
    while its user may open one of its pages."""

    key: str
    title: str
    factory: str
    shortcut: str | None = None
    permission: Permission = Permission.READ
    in_navigation: bool = True
    section: str | None = None
    summary: str = ""
    hub: bool = False

    def build(self, ctx: AppContext, parent: QWidget | None = None) -> Page:
        module, _, name = self.factory.partition(":")
        cls: Callable[[AppContext, QWidget | None], Page] = getattr(import_module(module), name)
        return cls(ctx, parent)
