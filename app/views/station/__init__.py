"""The operators' scan station: `StationWindow` over `app.services.station.ScanStation`."""

from app.views.station.window import ScanReader, StationWindow

__all__ = ["ScanReader", "StationWindow"]
