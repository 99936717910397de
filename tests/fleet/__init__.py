"""The fleet of simulated phones: fault injection on sync (issue 8 point 3)."""
