"""Reproducible performance measurements of the harness; see benchmarks/README.md."""
