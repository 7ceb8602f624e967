"""Reading and cleaning: find the columns, clean the cells, one row per customer."""
