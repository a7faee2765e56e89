"""Admin views: the Administration hub, preferences and users (listed in
app/views/pages.py), the reason codes, the audit trail and backups (declared here; imported
when first shown), each opened from the hub rather than listed in the navigation."""

from app.services.engine.permissions import Permission
from app.views.page_spec import PageSpec

PAGES = [
    (
        PageSpec(
            "reason_codes",
            "Reason codes",
            "app.views.admin.reasons:ReasonCodesPage",
            permission=Permission.EDIT_PREFERENCES,
            in_navigation=False,
            section="administration",
            summary="Why stock was scrapped or written off, as finance and the floor see it",
        ),
        "preferences",
    ),
    (
        PageSpec(
            "audit",
            "Audit trail",
            "app.views.admin.audit:AuditPage",
            permission=Permission.AUDIT,
            in_navigation=False,
            section="administration",
            summary="Who did what, when and where, with stock before and after",
        ),
        "users",
    ),
    (
        PageSpec(
            "backups",
            "Backups",
            "app.views.admin.backups:BackupsPage",
            permission=Permission.BACKUP,
            in_navigation=False,
            section="administration",
            summary="The backups kept beside the plant's file; back up now or restore",
        ),
        "audit",
    ),
]
