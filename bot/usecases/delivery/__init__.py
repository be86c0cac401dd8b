"""Delivery policy: what a failed or reported message means for its person, and who is told."""
