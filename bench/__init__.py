"""Benchmarks: they print figures and write docs/benchmarks.md; they never assert on time."""
