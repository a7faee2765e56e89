"""Use cases: every posting and every rule that spans records. No Qt here.

Each public function takes a UnitOfWork, runs in one transaction, checks permissions, and
returns plain dataclasses (never live ORM objects). The domains are imported here so that each
registers its kinds of demand with the engine before any posting runs.
"""

from app.services import engine as engine
from app.services import orders as orders
from app.services import production as production
