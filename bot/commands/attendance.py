"""Attendance lists from the chat (an uploaded file) and the shell (``import <file>``)."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

from bot.commands.request import Request
from bot.core.attendance import file_kind, too_large
from bot.core.chat import Upload
from bot.core.errors import InputError
from bot.core.i18n import Message, Translatable
from bot.usecases.recording.attendance_files import PARSE_SECONDS, parse_attendance
from bot.usecases.recording.attendance_import import import_attendance

WHAT = Message("Importing attendance lists")


async def _import(request: Request, filename: str | None, content: bytes) -> Translatable:
    project = request.need("coordinator", WHAT)
    # Parsed in a thread: a large workbook must not hold up every other chat. The parser
    # stops itself at its deadline; the wait here is a second bound.
    try:
        sheet = await asyncio.wait_for(
            asyncio.to_thread(parse_attendance, filename, content), PARSE_SECONDS + 5
        )
    except TimeoutError:
        raise InputError(
            Message("The list took too long to read; split it and send each part.")
        ) from None
    answer = await import_attendance(
        request.core,
        project,
        sheet,
        actor=request.actor.name,
        source=filename,
        digest=hashlib.sha256(content).hexdigest(),
    )
    return answer


async def import_upload(request: Request, upload: Upload) -> Translatable:
    """A list sent to the chat: who may import, the file's type and its declared size are
    checked before anything is downloaded."""
    request.need("coordinator", WHAT)
    name = upload.name
    if not name and upload.mime_type == "text/csv":
        name = "list.csv"
    file_kind(name)  # refuses other types before anything is downloaded
    if upload.declared_size and (refusal := too_large(upload.declared_size)) is not None:
        raise InputError(refusal)
    return await _import(request, name, await upload.fetch())


async def import_command(request: Request) -> Translatable:
    """``timesign admin --project ESF-1 import list.csv``: reads a file on this machine."""
    request.need("coordinator", WHAT)
    if request.actor.telegram_user_id is not None:
        # A chat must never name files on the server; it uploads the list instead.
        raise InputError(
            Message(
                "Send the attendance list to this chat as a CSV or XLSX file; "
                "import <file> reads files only from the shell."
            )
        )
    if len(request.args) != 1:
        raise InputError(
            Message("Usage: timesign admin --project <code> import <file.csv|file.xlsx>")
        )
    path = Path(request.args[0])
    try:
        size = (await asyncio.to_thread(path.stat)).st_size
        if (refusal := too_large(size)) is not None:
            raise InputError(refusal)
        content = await asyncio.to_thread(path.read_bytes)
    except OSError as error:
        raise InputError(
            Message(
                "Cannot read %(path)s: %(reason)s.", path=str(path), reason=error.strerror or error
            )
        ) from None
    return await _import(request, path.name, content)
