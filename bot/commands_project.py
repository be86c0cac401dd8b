"""Commands about the project itself: its settings for reminders and the scheduled close."""

from __future__ import annotations

from bot import project_settings
from bot.command_request import Command, Request
from notifications.i18n import Message


async def project_show(request: Request) -> str:
    project = request.need("viewer", "Showing the project")
    return project_settings.describe(project, request.language)


async def project_set(request: Request) -> str:
    project = request.need("admin", "Changing project settings")
    what, *rest = request.args or [""]
    actor = request.actor.name
    if what == "reminders" and len(rest) == 4:
        changed = await project_settings.set_reminders(request.core, project, *rest, actor=actor)
    elif what == "close":
        changed = await project_settings.set_close(request.core, project, rest, actor=actor)
    else:
        raise request.usage_error(
            Message(
                "<first> and <every> are days, <max> the most reminders, <9-19> the hours "
                "they are sent; close takes the day of the month and the time, or off"
            )
        )
    return project_settings.describe(changed, request.language)


COMMANDS: dict[tuple[str, str | None], Command] = {
    ("project", "show"): Command("/project show", "viewer", project_show),
    ("project", "set"): Command(
        "/project set reminders <first> <every> <max> <9-19> | close <day> <HH:MM>|off",
        "admin",
        project_set,
    ),
}
