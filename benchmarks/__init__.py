"""Speed benchmarks; ``make bench`` (``python -m benchmarks``) writes RESULTS.md."""
