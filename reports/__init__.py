"""ReportLab documents and charts for Shopscore, built from plain data classes."""
