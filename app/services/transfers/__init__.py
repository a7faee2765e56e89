"""Transfer orders: stock moved between locations through the in-transit location. Importing
the package registers the transfer order line as a kind of demand at the source, the open
transfer order as a kind of supply at the destination, and their invariants."""

from app.services.transfers import checks as checks
from app.services.transfers import records as records
