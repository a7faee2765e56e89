"""Lots in the window: the recall report of a lot, opened from Trace when what was traced is a
lot or serial number. Declares its page; the page class is imported when first shown."""

from app.views.page_spec import PageSpec

PAGES = [
    (
        PageSpec(
            "lot_recall",
            "Lot recall",
            "app.views.lots.recall:LotRecallPage",
            in_navigation=False,
            section="trace",
        ),
        "trace",
    ),
]
