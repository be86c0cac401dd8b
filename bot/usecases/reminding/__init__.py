"""Reminders by policy, and reminders and new codes on a coordinator's request."""
