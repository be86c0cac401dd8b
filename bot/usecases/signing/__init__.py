"""Participants answer: replies, signatures, disputes, linking a Telegram chat."""
