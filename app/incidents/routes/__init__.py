"""Incident-report views. Every load goes through get_visible_report(): out of scope is 404 on every
sub-route (stages and their PDFs included), in scope but not allowed is 403."""
import sqlalchemy as sa
from flask_login import current_user

from app import lifecycle
from app.extensions import db
from app.models import IncidentReport
from app.models import IncidentReportStage


def get_visible_report(incident_id: int, *options) -> IncidentReport:
    return lifecycle.get_visible(IncidentReport, incident_id, *options)


def get_report_stage(report: IncidentReport, stage_id: int) -> IncidentReportStage:
    """A stage only through its (visible) report: another report's stage id is 404."""
    return db.first_or_404(sa.select(IncidentReportStage).where(  # scoped: report came from get_visible_report
        IncidentReportStage.id == stage_id, IncidentReportStage.incident_report_id == report.id))


def zone_name() -> str:
    return getattr(current_user, "time_zone", None) or "UTC"


from app.incidents.routes import authority  # noqa: E402,F401
from app.incidents.routes import reports  # noqa: E402,F401
from app.incidents.routes import stages  # noqa: E402,F401
