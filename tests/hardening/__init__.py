"""Hardening suites: API fuzzing and bad input."""
