"""healthapp's benchmarks: run each with `python -m bench.<name>` (see bench/RESULTS.md)."""
