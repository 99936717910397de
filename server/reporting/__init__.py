"""PDF reports served and batch-written by the server (docs/contract.md#reports).

`service` assembles the plain data classes of `reports` from the score rollup, outlets,
regions, waves, disputes and corrective actions (raw answers only for the failed items'
comments and photos of the one audit reported); `controllers` serves them over HTTP, scoped by
role; `batch` writes a whole wave from the command line with a process pool (`render` is the
part a worker process runs); `demo` writes the latest demo wave's reports into ./out/.
"""
