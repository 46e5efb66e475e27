"""What every service runs on: the runtime that composes it, the database and messaging plumbing, auth,
HTTP, metrics, settings and the command line."""
