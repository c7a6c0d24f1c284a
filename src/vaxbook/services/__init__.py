"""Use cases: one method per user action, shared by the JSON API, the pages and the CLI."""
