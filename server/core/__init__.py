"""What every feature of the server stands on: settings, the app context, the database, errors
and their problem details, request plumbing, and the core Piccolo app (its tables and
migrations)."""
