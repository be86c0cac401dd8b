"""Outbound adapters: one transport per channel and the outbox dispatcher."""
