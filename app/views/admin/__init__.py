"""Admin views: preferences and users."""
