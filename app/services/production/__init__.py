"""Production: work orders (records, postings, reads, changes and corrections) and planning."""

from app.services.production import checks as checks
from app.services.production import corrections as corrections
from app.services.production import editing as editing
from app.services.production import records as records
