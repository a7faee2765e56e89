"""The registry of kinds of documents: each kind declared once, and everything that lists
kinds (numbering, trace, the screens' links, the ledger's vocabulary) reading it."""

from __future__ import annotations

from enum import StrEnum

import pytest
from sqlalchemy import select

import app.services  # noqa: F401 - every domain registers its kinds
from app.models.kinds import (
    LEDGER_REASONS,
    DocumentKind,
    document_kind,
    document_kinds,
    kind_of_number,
    register_kind,
    register_reasons,
)
from app.models.work_order import WORK_ORDER, WorkOrder
from app.services import kinds
from app.services.engine.numbering import normalize_number


def test_every_kind_is_told_apart_by_its_prefix() -> None:
    found = document_kinds()
    assert {"work_order", "sales_order", "fulfillment", "purchase_order", "receipt"} <= {
        k.key for k in found
    }
    for kind in found:
        number = kind.format_number(42)
        assert number == f"{kind.prefix}000042"
        assert kind_of_number(number) is kind
        assert kind_of_number(number.lower()) is kind


def test_a_prefix_that_cannot_be_told_apart_is_refused() -> None:
    with pytest.raises(ValueError, match="cannot be told from work_order"):
        register_kind(DocumentKind(key="widget_order", prefix="WO-X", noun="x", model=WorkOrder))
    with pytest.raises(ValueError, match="registered twice"):
        register_kind(DocumentKind(key="work_order", prefix="ZZ-", noun="x", model=WorkOrder))


def test_every_link_points_at_a_registered_kind_and_selects_pairs() -> None:
    for kind in document_kinds():
        origins = [ln for ln in kind.links if ln.origin]
        assert len(origins) <= 1, kind.key
        for link in kind.links:
            document_kind(link.target)
            assert len(link.pairs().selected_columns) == 2


def test_every_page_or_host_page_exists() -> None:
    from app.views.pages import page_spec

    for kind in document_kinds():
        if kind.page is not None:
            page_spec(kind.page)
        else:
            assert kind.shown_on is not None, f"{kind.key} is shown nowhere"
            page_spec(document_kind(kind.shown_on).page or "")


def test_a_number_is_normalised_by_the_kind_it_names() -> None:
    assert normalize_number("  wo-000007 ") == "WO-000007"
    with pytest.raises(Exception, match="unknown work order"):
        normalize_number("WO-" + "9" * 40)
    with pytest.raises(Exception, match="unknown document"):
        normalize_number("ZZ-" + "9" * 40)


def test_the_screens_find_a_page_through_the_registry() -> None:
    assert kinds.page_for(None, "WO-000001") == ("work_order", "WO-000001")
    assert kinds.page_for("receipt", "IR-000003", origin="PO-000002") == (
        "purchase_order",
        "PO-000002",
    )
    assert kinds.page_for("receipt", "IR-000003") is None
    assert kinds.page_for(None, "nothing-1") is None


def test_a_ledger_reason_is_registered_once() -> None:
    class Extra(StrEnum):
        TELEPORT = "teleport_for_test"

    register_reasons(Extra)
    register_reasons(Extra)  # the same words again: nothing changes
    assert LEDGER_REASONS.words["teleport_for_test"] == "teleport for test"
    with pytest.raises(ValueError, match="registered twice"):
        register_reasons(Extra, {Extra.TELEPORT: "other words"})


def test_a_work_order_declares_its_origin_as_a_link(uow) -> None:  # type: ignore[no-untyped-def]
    origin = next(ln for ln in WORK_ORDER.links if ln.origin)
    assert origin.target == "sales_order"
    with uow.database.session_factory() as session:
        assert session.execute(select(origin.pairs().subquery())).all() == []


def test_purchase_orders_and_fulfillments_move_along_their_edges_only() -> None:
    from app.errors import IllegalTransition
    from app.models import FulfillmentStatus, POStatus
    from app.models.purchasing import PurchaseOrderRules
    from app.models.sales import FulfillmentRules

    class Order(PurchaseOrderRules):
        def __init__(self, status: str) -> None:
            self.number, self.status, self.drop_ship = "PO-000001", status, False

    class Shipment(FulfillmentRules):
        def __init__(self, status: str) -> None:
            self.number, self.status = "IF-000001", status

    po = Order("open")
    po.move_to(POStatus.PARTIALLY_RECEIVED)
    po.move_to(POStatus.RECEIVED)
    with pytest.raises(IllegalTransition, match="from Received to Open"):
        po.move_to(POStatus.OPEN)
    with pytest.raises(IllegalTransition, match="from Received to Cancelled"):
        po.move_to(POStatus.CANCELLED)
    f = Shipment("packed")
    with pytest.raises(IllegalTransition, match="cannot go from Packed to Picked"):
        f.move_to(FulfillmentStatus.PICKED)
    f.move_to(FulfillmentStatus.SHIPPED)
    with pytest.raises(IllegalTransition):
        f.move_to(FulfillmentStatus.CANCELLED)


def test_a_feature_package_imported_first_still_declares_its_pages() -> None:
    """A feature package imports the page list for PageSpec; when it is the first to do so,
    its pages are found all the same (in a fresh interpreter, importing it first)."""
    import os
    import subprocess
    import sys

    code = (
        "import app.views.transfers\n"
        "from app.views.pages import PAGES, page_spec\n"
        "print(page_spec('transfer_order').section, len(PAGES))\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    from app.views.pages import PAGES

    assert done.stdout.split() == ["transfer_orders", str(len(PAGES))]
