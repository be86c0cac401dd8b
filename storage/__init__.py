"""Persistence adapters: SQLModel tables, sessions, queries and migrations."""
