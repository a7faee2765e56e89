"""Inventory views: stock positions, an item's ledger and commitments, adjustments."""
