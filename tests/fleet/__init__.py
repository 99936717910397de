"""The fleet of simulated phones: fault injection on sync."""
