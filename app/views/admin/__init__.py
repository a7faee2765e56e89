"""Admin views: preferences, users and the reason codes."""

from app.services.engine.permissions import Permission
from app.views.page_specs import PageSpec

PAGES = [
    (
        PageSpec(
            "reason_codes",
            "Reason codes",
            "app.views.admin.reasons:ReasonCodesPage",
            permission=Permission.EDIT_PREFERENCES,
        ),
        "preferences",
    ),
]
