"""Production: work orders (records, postings, reads) and planning."""

from app.services.production import records as records
