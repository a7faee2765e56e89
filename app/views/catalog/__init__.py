"""Catalog views: items, BOMs and imports."""
