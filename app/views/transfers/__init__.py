"""Transfer orders in the window: the list, one order with its shipments and receipts, the
new transfer with the stock at the source as you type, and the transfers supply planning
suggests (on the replenishment page). Declared here and found by the page list; the pages
are imported when first shown."""

from app.views.pages import PageSpec

PAGES = [
    (
        PageSpec(
            "transfer_orders",
            "Transfer orders",
            "app.views.transfers.transfer_orders:TransferOrderListPage",
        ),
        "receiving",
    ),
    (
        PageSpec(
            "transfer_order",
            "Transfer order",
            "app.views.transfers.transfer_orders:TransferOrderPage",
            in_navigation=False,
            section="transfer_orders",
        ),
        "transfer_orders",
    ),
]
