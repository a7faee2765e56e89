"""Shopfloor: the manufacturing desk for small and mid-size plants."""

__version__ = "0.1.0"
