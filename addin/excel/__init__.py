"""Live Excel, kept thin: the xlwings adapter, the worksheet functions, the ribbon buttons."""
