"""The catalog: items and locations, bills of materials, and imports."""

from app.services.catalog import checks as checks
