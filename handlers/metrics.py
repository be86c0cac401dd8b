"""Prometheus metrics kept by this process: replies, refused messages, webhook latency.

No app keys and no database here, so any handler (and the update pump) can count.
Counts that several processes share are read from the database by the page
(``handlers.metrics_page``) at scrape time.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry()
REPLIES = Counter(
    "timesign_replies",
    "Participant replies handled, by outcome",
    ["channel", "outcome"],
    registry=REGISTRY,
)
INBOUND_REFUSED = Counter(
    "timesign_inbound_refused",
    "Inbound messages past their sender's limit: counted, not stored, not answered",
    ["channel"],
    registry=REGISTRY,
)
WEBHOOK_SECONDS = Histogram(
    "timesign_webhook_seconds", "Time to answer a webhook", ["endpoint"], registry=REGISTRY
)
MESSAGES = Gauge(
    "timesign_messages",
    "Outbox messages by channel and state",
    ["channel", "state"],
    registry=REGISTRY,
)
SIGNATURES = Gauge("timesign_signatures", "Signatures recorded", registry=REGISTRY)
