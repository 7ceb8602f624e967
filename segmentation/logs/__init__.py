"""Logs bigger than memory: file discovery, aggregation in DuckDB or Spark, SQL scoring."""
