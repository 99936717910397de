"""PDF reports served and batch-written by the server (docs/contract.md#reports).

`service` assembles the plain data classes of `reports` from the score rollup, outlets,
regions, waves, disputes and corrective actions (raw answers only for the failed items'
comments and photos of the one audit reported); `issuing` is the one path of every PDF handed
out (verification code and QR code, PAdES signature, the record in `issued_report`);
`verification` looks issued reports up for the public page `/verify`; `controllers` serves the
PDFs over HTTP, scoped by role; `batch` writes a whole wave from the command line with a
process pool (`render` writes a file atomically); `demo` writes the latest demo wave's reports
into ./out/.
"""
