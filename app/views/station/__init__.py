"""The operators' scan station: `StationWindow` over the station's session
(`app.services.scanning.production.WorkOrderSession`)."""

from app.views.station.window import StationWindow

__all__ = ["StationWindow"]
