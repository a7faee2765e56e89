"""Reason codes: the admin's list, asked for by scraps and returns."""

from __future__ import annotations

import pytest

from app.errors import AlreadyExists, NotFound, PermissionDenied, ValidationError
from app.services import admin, reasons
from app.services.engine.uow import Actor, UnitOfWork


def test_reason_codes_are_kept_by_kind_in_capitals(uow: UnitOfWork) -> None:
    added = reasons.add_reason_code(uow, " damaged ", "scrap", "damaged in handling")
    assert (added.kind, added.code, added.active) == ("scrap", "DAMAGED", True)
    reasons.add_reason_code(uow, "DAMAGED", "return", "arrived damaged")
    with pytest.raises(AlreadyExists, match="scrap reason DAMAGED exists already"):
        reasons.add_reason_code(uow, "Damaged", "scrap")
    with pytest.raises(ValidationError, match="unknown kind of reason 'repair'"):
        reasons.add_reason_code(uow, "X", "repair")
    with pytest.raises(ValidationError, match="must not start with #"):
        reasons.add_reason_code(uow, "#SCRAP", "scrap")
    listed = reasons.list_reason_codes(uow, "scrap")
    assert [(r.kind, r.code) for r in listed] == [("scrap", "DAMAGED")]
    assert len(reasons.list_reason_codes(uow)) == 2


def test_a_posting_names_an_active_reason_of_its_kind(uow: UnitOfWork) -> None:
    reasons.add_reason_code(uow, "DEFECTIVE", "scrap")
    reasons.add_reason_code(uow, "SETUP", "scrap")

    def required(code: object, kind: str = "scrap") -> str:
        return uow.read(lambda tx: reasons.require_reason_code(tx, code, kind))

    assert required("defective") == "DEFECTIVE"
    with pytest.raises(NotFound, match="unknown scrap reason 'BENT'; the scrap reasons are "):
        required("bent")
    with pytest.raises(NotFound, match=r"there are none yet \(shopfloor reason add"):
        required("DEFECTIVE", "return")
    with pytest.raises(ValidationError, match="give a scrap reason"):
        required("  ")
    reasons.set_reason_code_active(uow, "setup", "scrap", False)
    with pytest.raises(ValidationError, match="scrap reason SETUP is retired"):
        required("SETUP")
    assert [r.code for r in reasons.list_reason_codes(uow, "scrap", active_only=True)] == [
        "DEFECTIVE"
    ]


def test_only_the_admin_keeps_the_list(uow: UnitOfWork) -> None:
    admin.add_user(uow, uow.actor.user, "admin")
    admin.add_user(uow, "sam", "supervisor")
    sam = UnitOfWork(uow.database, Actor("sam", "bench"))
    with pytest.raises(PermissionDenied, match="may not change preferences"):
        reasons.add_reason_code(sam, "BENT", "scrap")
    assert reasons.list_reason_codes(sam) == []
