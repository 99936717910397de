"""The Shopscore server: a Litestar app over Piccolo tables (SQLite or PostgreSQL)."""

import os

# The server's linear algebra (server/analytics/estimates.py) is on small dense matrices, a few
# hundred rows, in a worker thread beside the event loop: there OpenBLAS's own threads cost
# more than they give (the auditor model's fit for 2,000 outlets took twice as long with two
# threads as with one on a 2-core machine). Set before numpy is first imported; an operator's
# own OPENBLAS_NUM_THREADS is kept.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
