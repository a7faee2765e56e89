"""Production views: the dashboard, work orders, shortages and the creation queue."""
