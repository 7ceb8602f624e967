"""Package-level editing of workbooks: the tool changes its own parts, nothing else."""
