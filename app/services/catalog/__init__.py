"""The catalog: items and locations, bills of materials, and imports."""
