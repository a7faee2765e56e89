"""Vendor returns in the window: the list of returns and one return with its lines and
actions (a return is made from its purchase order's page). Declares its pages; the page
classes are imported when first shown."""

from app.views.page_spec import PageSpec

PAGES = [
    (
        PageSpec(
            "vendor_returns",
            "Vendor returns",
            "app.views.vendor_returns.pages:VendorReturnListPage",
        ),
        "purchase_order",
    ),
    (
        PageSpec(
            "vendor_return",
            "Vendor return",
            "app.views.vendor_returns.pages:VendorReturnPage",
            in_navigation=False,
            section="vendor_returns",
        ),
        "vendor_returns",
    ),
]
