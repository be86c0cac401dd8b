"""Inbound adapters: Telegram, Twilio webhooks and web pages."""
