"""Fixtures for the printed documents: page setups with a generated logo."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.printing.templates import PageSetup
from tests.printing import samples


@pytest.fixture(scope="session")
def logo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return samples.make_logo(tmp_path_factory.mktemp("logo") / "logo.png")


@pytest.fixture(params=["letter", "a4"])
def setup(request: pytest.FixtureRequest, logo: Path) -> PageSetup:
    """Both paper sizes, with the company's logo."""
    return samples.setup(request.param, logo)
