"""Notification channels: the log (default), a signed webhook, and e-mail over SMTP."""
