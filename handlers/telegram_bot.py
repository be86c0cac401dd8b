"""The Telegram side: python-telegram-bot's Application, fed by our webhook or by polling.

Handlers are thin: parse the update, call one use-case, queue the answer through the
outbox and try to deliver it at once. Every update passes a de-duplication gate first,
so an update Telegram delivers twice acts once.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import replace
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.core import participant_texts
from bot.core.access import Actor
from bot.core.chat import ChatCommands, CommandReply, Upload
from bot.core.errors import InputError
from bot.core.i18n import LANGUAGES, Message
from bot.core.inbound import Inbound
from bot.core.paging import pages
from bot.core.states import Channel
from bot.usecases.context import Core
from bot.usecases.signing.conversation import accept_reply
from bot.usecases.signing.linking import link_by_contact, link_by_token
from handlers import metrics
from handlers.chat_progress import ChatProgress
from handlers.telegram_files import NOT_DOWNLOADED, download_capped
from handlers.telegram_pages import show_in_place
from notifications.dispatcher import Dispatcher
from storage.db import transaction
from storage.inbound import first_delivery
from storage.outbox import Outgoing, enqueue

log = logging.getLogger(__name__)

TelegramApp = Application[Any, Any, Any, Any, Any, Any]


def new_application(*, token: str, base_url: str) -> TelegramApp:
    """The PTB application; its bot is shared with the outbox's Telegram transport.

    It has no updater: updates reach it from ``handlers.update_pump``, which stores each
    before it is acknowledged (by webhook or long polling) and feeds it in, one chat at a
    time and chats side by side. Replies are safe to race (one signature per summary),
    and commands run in their own transactions."""
    builder = ApplicationBuilder().token(token).base_url(base_url).updater(None)
    if base_url.endswith("/bot"):  # uploaded files come from the same Bot API server
        builder = builder.base_file_url(base_url.removesuffix("bot") + "file/bot")
    return builder.build()


def install_handlers(
    application: TelegramApp,
    core: Core,
    dispatcher: Dispatcher,
    commands: ChatCommands,
    superusers: Collection[int] = (),
) -> None:
    bot_handlers = _Handlers(core, dispatcher, commands, frozenset(superusers))
    application.add_handler(TypeHandler(Update, bot_handlers.gate), group=-1)
    application.add_handler(CommandHandler("start", bot_handlers.start, filters.ChatType.PRIVATE))
    # Every other command, /help included, goes to the command layer, which also answers
    # an unknown one ("I do not know /x. Try /help.").
    application.add_handler(
        MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, bot_handlers.command)
    )
    application.add_handler(
        MessageHandler(filters.CONTACT & filters.ChatType.PRIVATE, bot_handlers.contact)
    )
    application.add_handler(
        MessageHandler(
            filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE, bot_handlers.reply
        )
    )
    application.add_handler(
        MessageHandler(filters.Document.ALL & filters.ChatType.PRIVATE, bot_handlers.document)
    )
    application.add_handler(CallbackQueryHandler(bot_handlers.button))
    application.add_error_handler(_log_error)


def _app_language(update: Update) -> str | None:
    """The language of the sender's Telegram app, if timesign speaks it."""
    user = update.effective_user
    code = (user.language_code or "")[:2] if user else ""
    return code if code in LANGUAGES else None


def _language(update: Update) -> str:
    return _app_language(update) or "en"


FAILED = Message(
    "Sorry, something went wrong on our side; it has been logged. Please try again in a moment."
)


class _Handlers:
    def __init__(
        self,
        core: Core,
        dispatcher: Dispatcher,
        commands: ChatCommands,
        superusers: frozenset[int],
    ) -> None:
        self._core = core
        self._dispatcher = dispatcher
        self._commands = commands
        self._superusers = superusers

    async def gate(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        chat = update.effective_chat
        if (
            update.message is not None
            and update.message.text
            and not update.message.text.startswith("/")
        ):
            return  # participant replies de-duplicate themselves, in their own transaction
        fresh = await first_delivery(
            self._core.sessions,
            channel="telegram-update",
            provider_id=str(update.update_id),
            sender=str(chat.id) if chat else "",
            body="update",
            now=self._core.clock(),
        )
        if not fresh:
            log.info("telegram update %s delivered again; ignored", update.update_id)
            raise ApplicationHandlerStop

    async def _answer(self, chat_id: int, reply: CommandReply) -> None:
        """Queue the answer (paged; buttons ride on the last page) and try it at once.

        A file follows the text as a document, captioned with its name; an answer that
        is only a file is the document alone, under its own caption."""
        outgoing = [
            Outgoing(channel=Channel.TELEGRAM, address=str(chat_id), text=page, purpose="reply")
            for page in (pages(reply.text) if reply.text or reply.attachment is None else [])
        ]
        if reply.attachment is not None:
            outgoing.append(
                Outgoing(
                    channel=Channel.TELEGRAM,
                    address=str(chat_id),
                    text=reply.attachment.caption or reply.attachment.name,
                    purpose="reply",
                    attachment=(reply.attachment.name, reply.attachment.content),
                )
            )
        outgoing[-1] = replace(outgoing[-1], buttons=reply.buttons)
        await self._send(outgoing)

    async def _send(self, outgoing: list[Outgoing]) -> None:
        async with transaction(self._core.sessions) as session:
            rows = [enqueue(session, message, now=self._core.clock()) for message in outgoing]
            await session.flush()
            row_ids = [row.id for row in rows if row.id is not None]
        for row_id in row_ids:
            await self._dispatcher.deliver_now(row_id)

    def _actor(self, update: Update) -> Actor:
        user = update.effective_user
        assert user is not None
        return Actor(
            name=f"telegram:{user.id}",
            telegram_user_id=user.id,
            superuser=user.id in self._superusers,
            language=_app_language(update),
        )

    async def command(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """A coordinator command; refusals are answered with their sentence."""
        message = update.message
        assert message is not None and message.text is not None and update.effective_chat
        await self._run(update, update.effective_chat.id, message.text)

    async def button(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """An inline button runs the command line it carries, with the presser's rights.

        A page of a long list takes the place of the pressed message; any other answer
        comes as a new message."""
        query = update.callback_query
        assert query is not None and update.effective_user is not None
        await query.answer()  # stops the button's spinner
        data = query.data if isinstance(query.data, str) else ""
        chat_id = update.effective_user.id
        reply = await self._reply(update, chat_id, data)
        pressed, paged = query.message, reply.page is not None and not reply.refused
        if pressed is not None and paged and await show_in_place(update.get_bot(), pressed, reply):
            return
        await self._answer(chat_id, reply)

    async def _run(self, update: Update, chat_id: int, line: str) -> None:
        await self._answer(chat_id, await self._reply(update, chat_id, line))

    async def _reply(self, update: Update, chat_id: int, line: str) -> CommandReply:
        try:
            actor = self._actor(update)
            progress = ChatProgress(update.get_bot(), chat_id, actor.language or "en")
            return await self._commands.run(
                actor, line, bot_username=update.get_bot().username, progress=progress
            )
        except Exception:
            # A fault of ours (a database gone away, a bug): the coordinator hears so
            # instead of silence. No update content in the log: it may hold codes or phones.
            log.exception("command in telegram update %s failed", update.update_id)
            return CommandReply(FAILED.text(_language(update)), refused=True)

    async def document(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An uploaded attendance list: the command layer checks it before it is fetched."""
        message = update.message
        assert message is not None and message.document is not None and update.effective_chat
        document = message.document

        async def fetch() -> bytes:
            try:
                file = await context.bot.get_file(document.file_id)
            except TelegramError:
                raise InputError(NOT_DOWNLOADED) from None
            if not file.file_path:
                raise InputError(NOT_DOWNLOADED)
            return await download_capped(file.file_path, file.file_size)

        upload = Upload(document.file_name, document.mime_type, document.file_size, fetch)
        try:
            reply = await self._commands.upload(self._actor(update), upload)
        except Exception:
            log.exception("upload in telegram update %s failed", update.update_id)
            reply = CommandReply(FAILED.text(_language(update)), refused=True)
        await self._answer(update.effective_chat.id, reply)

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_chat is not None
        chat_id = update.effective_chat.id
        language = _language(update)
        if context.args:
            result = await link_by_token(self._core, context.args[0], chat_id, language)
            await self._answer(chat_id, CommandReply(result.text))
            return
        # Without a token: offer to match the person by their own phone number.
        welcome = Outgoing(
            channel=Channel.TELEGRAM,
            address=str(chat_id),
            text=participant_texts.TELEGRAM_WELCOME.text(language),
            purpose="reply",
            contact_button=participant_texts.SHARE_CONTACT_BUTTON.text(language),
        )
        await self._send([welcome])

    async def contact(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        assert message is not None and message.contact is not None and update.effective_chat
        sender = update.effective_user
        own = sender is not None and message.contact.user_id == sender.id
        result = await link_by_contact(
            self._core,
            message.contact.phone_number,
            update.effective_chat.id,
            own_contact=own,
            language=_language(update),
        )
        answer = Outgoing(
            channel=Channel.TELEGRAM,
            address=str(update.effective_chat.id),
            text=result.text,
            purpose="reply",
            remove_keyboard=True,  # the share-contact button has done its work
        )
        await self._send([answer])

    async def reply(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        assert message is not None and message.text is not None and update.effective_chat
        answer = await accept_reply(
            self._core,
            Inbound(
                channel=Channel.TELEGRAM,
                provider_id=str(update.update_id),
                sender=str(update.effective_chat.id),
                text=message.text.replace("\x00", "\ufffd"),  # PostgreSQL stores no NUL
                language_hint=_language(update),
            ),
            queue_answer=True,
        )
        metrics.REPLIES.labels(channel=Channel.TELEGRAM, outcome=answer.outcome).inc()
        if answer.outbox_id is not None:
            await self._dispatcher.deliver_now(answer.outbox_id)


async def _log_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    # No update content in the log: it may hold codes or phone numbers.
    update_id = update.update_id if isinstance(update, Update) else None
    log.error("telegram update %s failed", update_id, exc_info=context.error)
