"""Use cases: every posting and every rule that spans records. No Qt here.

Each public function takes a UnitOfWork, runs in one transaction, checks permissions, and
returns plain dataclasses (never live ORM objects). Every domain package here (catalog,
orders, production ...) is imported when the services are, so that each registers its kinds
of demand and supply, its invariants and its before-commit hooks before any posting runs; a
new domain is a new package and is found without being listed.
"""

import importlib
import pkgutil

from app.services import engine as engine  # first: the unit of work, books, commitment


def _import_domains() -> None:
    for found in pkgutil.iter_modules(__path__):
        if found.ispkg:
            importlib.import_module(f"{__name__}.{found.name}")


_import_domains()
