"""Customer returns in the window: the list of return authorizations, one RMA with its lines,
receipts and actions (receive with restock or scrap per line), a new return from a sales
order, and receiving returns by scan. Declares its pages; the page classes are imported when
first shown."""

from app.views.page_spec import PageSpec

PAGES = [
    (
        PageSpec(
            "return_authorizations",
            "Customer returns",
            "app.views.returns.pages:ReturnListPage",
        ),
        "fulfillment",
    ),
    (
        PageSpec(
            "return_authorization",
            "Customer return",
            "app.views.returns.pages:ReturnPage",
            in_navigation=False,
            section="return_authorizations",
        ),
        "return_authorizations",
    ),
    (
        PageSpec(
            "return_receiving",
            "Receive returns by scan",
            "app.views.returns.scan:ReturnReceivingPage",
            in_navigation=False,
            section="return_authorizations",
        ),
        "return_authorization",
    ),
]
