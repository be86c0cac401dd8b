"""Attendance lists uploaded to the coordinator chat as CSV or XLSX documents.

Thin like the other chat handlers: check the sender may import, check the file's type
and size before downloading it, download it through the Bot, hand it to the use-case and
queue the answer. The de-duplication gate in ``telegram_bot`` sees document updates too
(they carry no text), so a document Telegram delivers twice is imported once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot, Document, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes, MessageHandler, filters

from bot.commands.request import Request, open_request
from bot.commands.runner import record_refusal
from bot.core.access import AccessDenied, Actor
from bot.core.attendance import file_kind, too_large
from bot.core.errors import InputError
from bot.usecases.context import Core
from bot.usecases.recording.attendance_import import WHAT, import_upload

ActorOf = Callable[[Update], Actor]
Answer = Callable[[int, str], Awaitable[None]]


def attendance_upload_handler(
    core: Core, *, actor_of: ActorOf, answer: Answer
) -> MessageHandler[Any, Any]:
    upload = _Upload(core, actor_of, answer)
    return MessageHandler(filters.Document.ALL & filters.ChatType.PRIVATE, upload.document)


class _Upload:
    def __init__(self, core: Core, actor_of: ActorOf, answer: Answer) -> None:
        self._core = core
        self._actor_of = actor_of
        self._answer = answer

    async def document(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.message
        assert message is not None and message.document is not None and update.effective_chat
        request = await open_request(self._core, self._actor_of(update), None, [])
        try:
            text = await self._import(request, context.bot, message.document)
        except InputError as error:
            text = error.text(request.language)
        await self._answer(update.effective_chat.id, text)

    async def _import(self, request: Request, bot: Bot, document: Document) -> str:
        try:
            request.need("coordinator", WHAT)
        except AccessDenied:
            await record_refusal(
                self._core, request.actor, request.project, command="import", role=request.role
            )
            raise
        name = document.file_name
        if not name and document.mime_type == "text/csv":
            name = "list.csv"
        file_kind(name)  # refuses other types before anything is downloaded
        if document.file_size and (refusal := too_large(document.file_size)) is not None:
            raise InputError(refusal)
        try:
            file = await bot.get_file(document.file_id)
            content = bytes(await file.download_as_bytearray())
        except TelegramError:
            raise InputError(
                "I could not download the file from Telegram; please send it again."
            ) from None
        return await import_upload(request, name, content)
