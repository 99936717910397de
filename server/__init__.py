"""The Shopscore server: a Litestar app over Piccolo tables (SQLite or PostgreSQL)."""
