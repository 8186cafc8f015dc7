"""The recommendations tracker sent to the force (``export``: XLSX or CSV) and the file it
sends back (``returned``: previewed, then applied all or nothing)."""
