"""Qt views (PySide6): windows, dialogs and table models. They call app.services only."""
