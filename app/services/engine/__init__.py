"""The engine every kind of order shares: the unit of work and its books, the ledger, demand
and commitment, numbering, paging, lookups, permissions and preferences.

Importing the package registers the commitment engine's before-commit hook.
"""

from app.services.engine import commitment as commitment
