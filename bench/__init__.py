"""Shopfloor benchmark: a generated large plant measured through the service layer, and the
fixed order workload. Run with `python -m bench` (see bench/README.md)."""
