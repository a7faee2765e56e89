"""Use cases: every posting and every rule that spans records. No Qt here.

Each public function takes a UnitOfWork, runs in one transaction, checks permissions, and
returns plain dataclasses (never live ORM objects).
"""
