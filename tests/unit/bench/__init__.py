"""Tests of the benchmark helpers (no timings asserted)."""
