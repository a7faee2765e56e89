"""Cycle counts in the window: the list of counts, one count with its lines and actions, and
counting by scan. Declares its pages; the page classes are imported when first shown."""

from app.views.page_spec import PageSpec

PAGES = [
    (
        PageSpec("cycle_counts", "Cycle counts", "app.views.counts.pages:CycleCountListPage"),
        "stock_item",
    ),
    (
        PageSpec(
            "cycle_count",
            "Cycle count",
            "app.views.counts.pages:CycleCountPage",
            in_navigation=False,
            section="cycle_counts",
        ),
        "cycle_counts",
    ),
    (
        PageSpec(
            "count_scan",
            "Count by scan",
            "app.views.counts.scan:CountScanPage",
            in_navigation=False,
            section="cycle_counts",
        ),
        "cycle_count",
    ),
]
