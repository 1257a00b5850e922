"""The initiative list: search, filters, sorting, pagination and the CSV export of the same rows."""
from flask import render_template
from flask import request
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app import listing
from app import permissions
from app.extensions import db
from app.initiatives import bp
from app.initiatives import queries
from app.models import TLP
from app.models import Agreement
from app.models import Health
from app.models import Initiative
from app.models import InitiativeStatus
from app.models import Sector


def _csv(stmt):
    rows = db.session.scalars(stmt.options(selectinload(Initiative.agreement), selectinload(Initiative.milestones))).all()
    agreement_ids = {r.agreement_id for r in rows if r.agreement_id}
    # The agreement's reference only when the reader may see that agreement (AC-09).
    readable = set(db.session.scalars(
        permissions.visible_agreements(current_user).with_only_columns(Agreement.id)
        .where(Agreement.id.in_(agreement_ids)))) if agreement_ids else set()
    return listing.csv_response(rows, [
        ("Reference", lambda i: i.reference),
        ("Title", lambda i: i.title),
        ("Status", lambda i: i.status.label),
        ("Health", lambda i: i.health.label),
        ("Health reason", lambda i: i.health_reason),
        ("Lead", lambda i: i.lead_organization.name),
        ("Participants", lambda i: [o.name for o in i.participants]),
        ("Agreement", lambda i: i.agreement.reference if i.agreement_id in readable else ""),
        ("Start", lambda i: i.start_date),
        ("Target", lambda i: i.target_date),
        ("Progress %", lambda i: i.progress),
        ("TLP", lambda i: i.tlp.label),
    ], "initiatives.csv")


@bp.get("/")
def index():
    filters = queries.read_filters(request.args)
    archived = filters["archived"]
    if listing.wants_csv():
        return _csv(queries.list_initiatives(current_user, filters))
    page = listing.paginate(queries.page_initiatives(current_user, filters))
    return render_template(
        "initiatives/index.html", page=page, filters=filters, archived=archived, q=request.args.get("q", ""),
        progress_by_id=queries.milestone_progress(page.items),
        status_options=InitiativeStatus.choices(), health_options=Health.choices(), tlp_options=TLP.choices(),
        sector_options=Sector.choices(), org_options=listing.organization_options(current_user, short=True))
