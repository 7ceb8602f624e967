"""Workbook files: reading tables, writing packages safely, data files and logs."""
