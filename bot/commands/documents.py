"""Commands that hand out documents: a certificate, the month as a workbook, its evidence.

Each is audited: the files carry personal data out of the system, and the audit says
who took which month's data, and when.
"""

from __future__ import annotations

from bot.commands.request import Answer, Command, Request
from bot.core.i18n import LANGUAGES, Hours, Message
from bot.core.months import Month
from bot.core.summary_states import state_name
from bot.usecases.documents.build import certificate, month_export
from bot.usecases.evidence.bundle import month_bundle
from storage import audit
from storage.db import transaction
from storage.tables import Project


def _document_language(request: Request, project: Project) -> tuple[list[str], str]:
    """The arguments without a trailing sv|en|pl, and the document's language: the one
    named, else the project's (the documents are for the funding agency)."""
    if request.args and request.args[-1].lower() in LANGUAGES:
        return request.args[:-1], request.args[-1].lower()
    return list(request.args), project.language


async def _audit(request: Request, project: Project, action: str, **detail: object) -> None:
    async with transaction(request.core.sessions) as session:
        audit.record(
            session,
            at=request.core.clock(),
            actor=request.actor.name,
            action=action,
            project_id=project.id,
            **detail,
        )


async def _certificate(request: Request) -> Answer:
    project = request.need("viewer", Message("Making certificates"))
    args, language = _document_language(request, project)
    if len(args) != 2:
        raise request.usage_error()
    month = Month.parse(args[1])
    made, attachment = await certificate(request.core, project, args[0], month, language)
    await _audit(request, project, "document.certificate", person=made.person_ref, month=str(month))
    text = Message(
        "Attendance certificate of %(ref)s %(name)s for %(month)s (%(state)s).",
        ref=made.person_ref,
        name=made.person_name,
        month=str(month),
        state=state_name(made.state),
    )
    return Answer(text, attachment=attachment)


async def _export(request: Request) -> Answer:
    project = request.need("viewer", Message("Exporting months"))
    args, language = _document_language(request, project)
    if len(args) != 1:
        raise request.usage_error()
    month = Month.parse(args[0])
    made, attachment = await month_export(request.core, project, month, language)
    await _audit(request, project, "document.export", month=str(month), people=made.people)
    text = Message(
        "%(code)s, %(month)s. People: %(people)s, hours recorded: %(hours)s, signed: %(signed)s.",
        month=str(month),
        code=project.code,
        people=made.people,
        hours=Hours(made.recorded_minutes),
        signed=made.signed,
    )
    return Answer(text, attachment=attachment)


async def _evidence(request: Request) -> Answer:
    project = request.need("viewer", Message("Making evidence bundles"))
    args, language = _document_language(request, project)
    if len(args) != 1:
        raise request.usage_error()
    month = Month.parse(args[0])
    attachment = await month_bundle(request.core, project, month, language, request.progress)
    await _audit(request, project, "document.evidence", month=str(month))
    text = Message(
        "%(code)s, %(month)s: the evidence bundle (certificates, evidence files, the evidence "
        "log, public keys, an index). Check it with: timesign verify %(file)s",
        code=project.code,
        month=str(month),
        file=attachment.name,
    )
    return Answer(text, attachment=attachment)


COMMANDS: dict[tuple[str, str | None], Command] = {
    ("certificate", None): Command(
        "/certificate <person> <YYYY-MM> [sv|en|pl]", "viewer", _certificate
    ),
    ("export", None): Command("/export <YYYY-MM> [sv|en|pl]", "viewer", _export),
    ("evidence", None): Command("/evidence <YYYY-MM> [sv|en|pl]", "viewer", _evidence),
}
