"""Production: work orders (records, postings, reads) and planning."""

from app.services.production import checks as checks
from app.services.production import records as records
