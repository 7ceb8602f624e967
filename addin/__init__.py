"""The Excel side: workbook pipeline, the ``segment`` command line and the add-in.

Everything here reads and writes workbooks and talks to users; every decision about
customers and segments is the engine's (``segmentation``).
"""
