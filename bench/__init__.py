"""Benchmarks (run with ``python -m bench``); not part of the installed package."""
