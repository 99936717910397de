"""Shopscore's pure domain: checklists, answers, scoring, validation, lifecycle, wire codec.

Standard library only: no I/O, no clock, no third-party import. The server uses it for the
authoritative score and the phone for the live score, unchanged.
"""
