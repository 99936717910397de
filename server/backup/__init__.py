"""`shopscore backup` / `shopscore restore`: one archive with the database and every photo."""
