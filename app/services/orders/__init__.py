"""The order side: customers and vendors, sales orders, fulfillments, purchase orders and
receipts. Importing the package registers the sales order line as a kind of demand, the
open purchase order line as a kind of supply, and how a receipt is reversed."""

from app.services.orders import checks as checks
from app.services.orders import purchasing as purchasing
from app.services.orders import records as records
