"""Print preview and printing from the window."""
