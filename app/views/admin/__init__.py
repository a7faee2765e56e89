"""Admin views: preferences and users (listed in app/views/pages.py), the audit trail and
backups (declared here; imported when first shown)."""

from app.services.engine.permissions import Permission
from app.views.page_spec import PageSpec

PAGES = [
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
