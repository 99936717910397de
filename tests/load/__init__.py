"""Load tests: 200 concurrent auditors syncing against a two-worker server."""
