"""What one code reply costs the database: one transaction, thirteen statements.

The reply is the hottest path (a municipality's participants answering within the hour
after a month's close); a statement added to it shows here, not months later as a slow
evening. Counted on the engine, with the real close and the real codes.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import sqlalchemy as sa

from bot.core.inbound import Inbound
from bot.core.months import Month
from bot.core.reply_outcomes import Outcome
from bot.usecases.closing.month_close import close_month
from bot.usecases.context import Core
from bot.usecases.signing.conversation import accept_reply
from tests.stack import seed_project
from tests.test_signing import code_for

# Ten to sign, three to append the signature's entry to the project's evidence log.
STATEMENTS_PER_SIGNATURE = 13


async def test_a_signing_reply_is_one_transaction_of_thirteen_statements(core: Core) -> None:
    project = await seed_project(core)
    await close_month(core, "ESF-1", Month(2026, 10), actor="test")
    phone = next(iter(project.people.values()))
    code = await code_for(core, phone)
    seen: Counter[str] = Counter()

    def statement(*args: Any) -> None:
        seen["statements"] += 1

    def commit(*args: Any) -> None:
        seen["commits"] += 1

    engine = core.sessions.kw["bind"].sync_engine
    sa.event.listen(engine, "before_cursor_execute", statement)
    sa.event.listen(engine, "commit", commit)
    try:
        answer = await accept_reply(
            core,
            Inbound(channel="sms", provider_id="SMcost1", sender=phone, text=code),
            queue_answer=False,
            gate=True,
        )
    finally:
        sa.event.remove(engine, "before_cursor_execute", statement)
        sa.event.remove(engine, "commit", commit)
    assert answer.outcome is Outcome.SIGNED
    assert seen["commits"] == 1
    # SQLite's BEGIN IMMEDIATE is a statement of its own; PostgreSQL's BEGIN is not counted.
    begins = 1 if engine.dialect.name == "sqlite" else 0
    assert seen["statements"] == STATEMENTS_PER_SIGNATURE + begins
