"""Vendor returns (VRA-…): goods a purchase order's receipts brought in, sent back to the
vendor for a credit. Importing the package declares their invariants for `shopfloor check`."""

from app.services.vendor_returns import checks as checks
from app.services.vendor_returns import records as records
