"""Load tests: 200 concurrent auditors syncing against a two-worker server (issue 8 point 4)."""
