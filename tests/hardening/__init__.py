"""Hardening suites of issue 8: API fuzzing and bad input."""
