"""The bot's command menu (setMyCommands) in every language timesign speaks.

Telegram shows each user the menu of their app's language and the default menu to the
rest, so the default is English. The menu names what each command is for; ``/help``
shows the full syntax for the user's role.
"""

from __future__ import annotations

from telegram import Bot

from bot.core.i18n import LANGUAGES, Message

COMMAND_MENU: dict[str, Message] = {
    "help": Message("what you can do here"),
    "project": Message("new <code> <name> | use <code>: the project this chat works on"),
    "coordinator": Message("add <telegram id> [role]: give access to the project"),
    "activity": Message("add | list | end: the project's activities"),
    "person": Message("add | list | show | edit | invite: participants and staff"),
    "hours": Message("<person> <activity> <date> <hours>: record one day"),
    "close": Message("<YYYY-MM>: send the month for signing"),
    "unsigned": Message("[YYYY-MM]: who has not signed"),
    "status": Message("[YYYY-MM]: counts of sent, signed and failed"),
    "remind": Message("[YYYY-MM]: remind everyone who has not signed"),
    "certificate": Message("<person> <YYYY-MM>: the attendance certificate as PDF"),
    "export": Message("<YYYY-MM>: the month as an XLSX workbook"),
    "evidence": Message("<YYYY-MM>: the month's evidence for an audit, as one ZIP"),
    "language": Message("sv | en | pl: the language I answer in"),
}


def menu(language: str) -> list[tuple[str, str]]:
    return [(name, description.text(language)) for name, description in COMMAND_MENU.items()]


async def set_command_menus(bot: Bot) -> None:
    await bot.set_my_commands(menu("en"))
    for language in LANGUAGES:
        if language != "en":
            await bot.set_my_commands(menu(language), language_code=language)
