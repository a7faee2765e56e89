"""Cycle counts: counting what is on the shelves of a location and posting the differences.
Importing the package registers the count's postings and its invariants for `check`."""

from app.services.counts import checks as checks
from app.services.counts import counts as counts
