"""Outbound adapters: transports, the outbox dispatcher and message texts."""
