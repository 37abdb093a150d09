"""Command-line wiring (click), training and benchmarks over the reportminer library."""
