"""Admin views: preferences and users (listed in app/views/pages.py), the reason codes
(opened from the preferences), the audit trail and backups (declared here; imported when
first shown)."""

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
            section="preferences",
        ),
        "preferences",
    ),
    (
        PageSpec(
            "audit", "Audit trail", "app.views.admin.audit:AuditPage", permission=Permission.AUDIT
        ),
        "users",
    ),
    (
        PageSpec(
            "backups",
            "Backups",
            "app.views.admin.backups:BackupsPage",
            permission=Permission.BACKUP,
        ),
        "audit",
    ),
]
