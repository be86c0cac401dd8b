"""Long answers cut into Telegram-sized messages, at line breaks where possible.

For answers that are no list (an import's warnings, say): lists are one message with
page buttons instead (``bot.core.list_pages``)."""

from __future__ import annotations

TELEGRAM_LIMIT = 4096  # characters per message, Bot API sendMessage


def pages(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    result: list[str] = []
    current = ""
    for line in text.splitlines() or [""]:
        while len(line) > limit:  # a single overlong line is cut hard
            if current:
                result.append(current)
                current = ""
            result.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            result.append(current)
            candidate = line
        current = candidate
    result.append(current)
    return result
