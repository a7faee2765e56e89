"""The work order list on 100,000 work orders opens and re-sorts by fetching only a few
pages: sorting and filtering happen in the database."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.views.common.runner import AppContext
from tests.views.bigplant import add_work_orders
from tests.views.conftest import idle

MANY = 100_000


def test_the_list_of_100000_work_orders_fetches_only_what_it_shows(ctx, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    add_work_orders(ctx.database, MANY)
    page = window.show_page("work_orders")
    idle(qtbot, ctx)
    model, table = page.model, page.table
    assert model.total == MANY + 9
    assert model.pages_fetched == 1 and model.rowCount() == model.page_size
    assert model.row_at(0).number == "WO-000001"
    assert "100,009 work orders" in page.count.text()

    # Sorting by item (descending) re-queries: still one page, and the right first row.
    column = next(i for i, c in enumerate(model.columns) if c.sort == "item")
    table.sortByColumn(column, Qt.SortOrder.DescendingOrder)
    idle(qtbot, ctx)
    assert model.pages_fetched == 2 and model.rowCount() == model.page_size
    skus = [model.row_at(i).item for i in range(model.rowCount())]
    assert skus == sorted(skus, reverse=True)
    assert skus[0] == max(r.item for r in [model.row_at(0)])

    # Scrolling to the end of what is loaded fetches the next page, and only that.
    table.scrollToBottom()
    qtbot.waitUntil(lambda: model.rowCount() == 2 * model.page_size, timeout=20_000)
    idle(qtbot, ctx)
    assert model.pages_fetched == 3

    # A filter is a new query too (text search in SQL, not over the loaded rows).
    page.text.setText("WO-0999")
    page.apply_filters()
    idle(qtbot, ctx)
    assert model.total == 100 and model.pages_fetched == 4
    assert all(model.row_at(i).number.startswith("WO-0999") for i in range(model.rowCount()))


def test_late_and_short_rows_are_marked(ctx: AppContext, window, qtbot) -> None:  # type: ignore[no-untyped-def]
    page = window.show_page("work_orders")
    idle(qtbot, ctx)
    model = page.model
    rows = {model.row_at(i).number: i for i in range(model.rowCount())}
    late = model.index(rows["WO-000007"], 0)
    short = model.index(rows["WO-000005"], 0)
    plain = model.index(rows["WO-000004"], 0)
    flags = next(i for i, c in enumerate(model.columns) if c.title == "Flags")
    assert model.index(rows["WO-000007"], flags).data() in ("LATE", "LATE · SHORT")
    assert model.index(rows["WO-000005"], flags).data() == "SHORT"
    assert late.data(Qt.ItemDataRole.BackgroundRole).color().name() == "#fdecec"
    assert short.data(Qt.ItemDataRole.BackgroundRole).color().name() == "#fff1e0"
    assert plain.data(Qt.ItemDataRole.BackgroundRole) is None
