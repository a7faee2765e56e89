"""Lots and serial numbers: how items are tracked, the lots a posting brings in or takes out,
genealogy, lots on hand and expiry, and their invariants (the lot book itself, which the stock
book posts through, is app/services/engine/lots.py)."""

from app.services.lots import checks as checks
