"""What every view shares: the operation runner, the change hub, table models, the one status
palette, formatting and small widgets."""
