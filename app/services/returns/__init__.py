"""Customer returns: return authorizations created from shipped sales order lines, received
back into stock or scrapped, and the customer's credit for finance. Importing the package
registers their postings, how their receipts are reversed, and their invariants for
`check`."""

from app.services.returns import checks as checks
from app.services.returns import returns as returns
