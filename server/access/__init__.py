"""Who is calling and what they may see: the one place that decides access to a record."""
