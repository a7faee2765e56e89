"""Printed documents (ReportLab PDFs with python-barcode barcodes), built from plain data."""
