"""The engine every kind of order shares: the unit of work and its books, the ledger, demand
and commitment, numbering, paging, lookups, permissions and preferences.

Importing the package registers the commitment engine's before-commit hook and the engine's
invariants (declared first, so `check` proves stock, demand and supply before the rest).
"""

from app.services.engine import checks as checks
from app.services.engine import commitment as commitment
