"""Commands about projects: create one, grant roles, show and change its settings."""

from __future__ import annotations

from bot.commands.request import Command, Request
from bot.core.access import ROLE_NAMES, ROLES, SUPERUSER, AccessDenied
from bot.core.i18n import Message, Translatable
from bot.core.suggest import not_a_choice
from bot.usecases.roster import project_settings
from bot.usecases.roster.grants import grant
from bot.usecases.roster.registry import (
    create_project,
)


async def project_show(request: Request) -> Translatable:
    project = request.need("viewer", Message("Showing the project"))
    return await project_settings.show(request.core, project)


async def project_set(request: Request) -> Translatable:
    project = request.need("admin", Message("Changing project settings"))
    what, *rest = request.args or [""]
    actor = request.actor.name
    if what == "reminders" and len(rest) == 4:
        changed = await project_settings.set_reminders(request.core, project, *rest, actor=actor)
    elif what == "close":
        changed = await project_settings.set_close(request.core, project, rest, actor=actor)
    elif what == "saturdays":
        changed = await project_settings.set_saturdays(request.core, project, rest, actor=actor)
    else:
        raise request.usage_error(
            Message(
                "<first> and <every> are days, <max> the most reminders, <9-19> the hours "
                "they are sent; close takes the day of the month and the time, or off; "
                "saturdays takes warn or refuse"
            )
        )
    return project_settings.describe(changed)


async def project_new(request: Request) -> Translatable:
    if not request.actor.superuser:
        raise AccessDenied(Message("Only a superuser creates projects."))
    if len(request.args) < 2:
        raise request.usage_error()
    project = await create_project(
        request.core,
        code=request.args[0],
        name=" ".join(request.args[1:]),
        actor=request.actor.name,
    )
    return Message(
        "Project %(code)s (%(name)s) created. Choose it with /project use %(code)s.",
        code=project.code,
        name=project.name,
    )


async def coordinator_add(request: Request) -> Translatable:
    project = request.need("admin", Message("Adding coordinators"))
    if len(request.args) not in (1, 2) or not request.args[0].lstrip("-").isdigit():
        raise request.usage_error()
    role = request.args[1] if len(request.args) == 2 else "coordinator"
    if role not in ROLES:
        raise not_a_choice(role, ROLES, Message("a role"))
    await grant(request.core, project, int(request.args[0]), role, actor=request.actor.name)
    return Message(
        "Telegram user %(user)s is now %(role)s of %(project)s.",
        user=request.args[0],
        role=ROLE_NAMES[role],
        project=project.code,
    )


COMMANDS: dict[tuple[str, str | None], Command] = {
    ("project", "new"): Command("/project new <code> <name>", SUPERUSER, project_new),
    ("coordinator", "add"): Command(
        "/coordinator add <telegram id> [admin|coordinator|viewer]", "admin", coordinator_add
    ),
    ("project", "show"): Command("/project show", "viewer", project_show),
    ("project", "set"): Command(
        "/project set reminders <first> <every> <max> <9-19> | close <day> <HH:MM>|off"
        " | saturdays warn|refuse",
        "admin",
        project_set,
    ),
}
