"""Printed documents (ReportLab PDFs with python-barcode barcodes), built from plain data.

`styles` (fonts, colours, text metrics), `templates` (the page template and shared blocks),
`barcodes` (Code 128, the only python-barcode user), one module per document (`traveler`,
`picking_ticket`, `packing_slip`, `labels`) and `output` (CUPS). Nothing is imported here, so
`app.printing.output` can be used without loading ReportLab.
"""
