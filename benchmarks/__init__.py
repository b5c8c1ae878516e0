"""Benchmarks: `python -m benchmarks.NAME`, deterministic generated data, figures printed as one
JSON object on the last line. Timing lives here, never in the tests."""
