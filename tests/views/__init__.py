"""Tests of the desktop application through its real widgets (pytest-qt, offscreen)."""
