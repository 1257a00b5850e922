"""Advisory views. Every load goes through get_visible_advisory(): out of scope is 404 on every sub-route
(the PDF editions included), in scope but not allowed is 403. Which edition a reader gets is decided by
queries.may_read_restricted (the TLP rule on the authors and recipients)."""
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app import permissions
from app.extensions import db
from app.models import Advisory
from app.models import AdvisoryAuthor
from app.models import AdvisoryRecipient
from app.models import Agreement
from app.models import AgreementKind
from app.models import IncidentReport
from app.models import Organization
from app.models import Risk

DETAIL_OPTIONS = (selectinload(Advisory.authors).selectinload(AdvisoryAuthor.organization),
                  selectinload(Advisory.authors).selectinload(AdvisoryAuthor.approved_by),
                  selectinload(Advisory.distribution).selectinload(AdvisoryRecipient.organization),
                  selectinload(Advisory.acknowledgements), selectinload(Advisory.superseded_by))


def get_visible_advisory(advisory_id: int, *options) -> Advisory:
    stmt = permissions.visible_advisories(current_user).where(Advisory.id == advisory_id)
    return db.first_or_404(stmt.options(*(options or DETAIL_OPTIONS)))


def form_choices(advisory: Advisory | None = None) -> dict:
    """What the editor may pick: live organisations (not their own), and the risks, incident reports and
    information-sharing agreements they may read; links already held stay offered."""
    user = current_user
    organizations = db.session.scalars(permissions.active_organizations(user)
                                       .where(Organization.id != user.organization_id)).all()
    risks = db.session.scalars(permissions.visible_risks(user).where(Risk.archived_at.is_(None))
                               .order_by(Risk.reference.desc()).limit(200)).all()
    reports = db.session.scalars(permissions.visible_incident_reports(user)
                                 .order_by(IncidentReport.reference.desc()).limit(200)).all()
    agreements = db.session.scalars(permissions.visible_agreements(user).where(
        Agreement.kind == AgreementKind.INFORMATION_SHARING, Agreement.archived_at.is_(None))
        .order_by(Agreement.reference.desc()).limit(200)).all()
    if advisory is not None:
        known = {o.id for o in organizations}
        organizations += [a.organization for a in advisory.authors + advisory.distribution
                          if a.organization_id not in known and a.organization_id != advisory.owner_organization_id]
        organizations = list({o.id: o for o in organizations}.values())
    return {"organizations": organizations, "risks": risks, "incident_reports": reports, "agreements": agreements}


def related(form, choices: dict) -> dict:
    """The form's chosen ids as records, from the same scoped choices (a forged id never got this far)."""
    by_id = {name: {r.id: r for r in rows} for name, rows in choices.items()}
    orgs = by_id["organizations"]
    return {"co_authors": [orgs[i] for i in form.co_authors.data or () if i in orgs],
            "recipients": [orgs[i] for i in form.recipients.data or () if i in orgs],
            "risks": [by_id["risks"][i] for i in form.risks.data or () if i in by_id["risks"]],
            "incident_reports": [by_id["incident_reports"][i] for i in form.incident_reports.data or ()
                                 if i in by_id["incident_reports"]],
            "agreements": [by_id["agreements"][i] for i in form.agreements.data or () if i in by_id["agreements"]]}


def mark_read(advisory: Advisory) -> None:
    """Remember that the reader opened it (the sharing feed's unread mark): once, race-safe."""
    from sqlalchemy.dialects import postgresql
    from sqlalchemy.dialects import sqlite

    from app.models import AdvisoryRead

    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    db.session.execute(insert(AdvisoryRead).values(  # scoped: the reader's own mark on an advisory they read
        advisory_id=advisory.id, user_id=current_user.id).on_conflict_do_nothing())
    db.session.commit()  # a GET: the edge commits no read, and the mark is the point




from app.advisories.routes import advisories  # noqa: E402,F401
from app.advisories.routes import recipients  # noqa: E402,F401
from app.advisories.routes import review  # noqa: E402,F401
