"""The analytics suite's seeded programme (one per engine and module), read by the dashboard's
page tests over HTTP in-process."""

from tests.server.analytics.conftest import programme, reader, seeded

__all__ = ["programme", "reader", "seeded"]
