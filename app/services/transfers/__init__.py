"""Transfer orders: stock moved between locations through the in-transit location. Importing
the package registers the transfer order line as a kind of demand at the source, the open
transfer order as a kind of supply at the destination, their invariants, and how a shipment is
reversed."""

from app.services.transfers import checks as checks
from app.services.transfers import records as records
from app.services.transfers import reversal as reversal
