"""Month close: summaries, codes and month-end messages, by hand or on schedule."""
