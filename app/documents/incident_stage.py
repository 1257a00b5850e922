"""The PDF of one submitted incident-report stage: the report's facts as they stood and the stage's text.

Issued once when the stage is submitted (sealed, stored, served unchanged to the reporter and the authority,
the report's only readers under its TLP), so it holds nothing either of them may not see."""
from app.documents.content import DocumentInfo
from app.models import IncidentReport
from app.models import IncidentReportStage
from app.models.incident_report import span
from app.pdf import Budget


def incident_stage_document(report: IncidentReport, stage: IncidentReportStage) -> tuple[str, dict]:
    budget = Budget("This stage report")
    for label, value in (("The title", report.title), ("The summary", report.summary),
                         ("The services affected", report.services_affected), ("The stage text", stage.body),
                         ("The root cause", stage.root_cause), ("The mitigations", stage.mitigations_applied),
                         ("The cross-border impact", stage.cross_border_impact)):
        budget.text(label, value)
    budget.check()
    info = DocumentInfo(
        kind=f"Incident report — {stage.kind.label}", reference=f"{report.reference}-S{stage.id}",
        version=None, tlp=report.tlp, heading=report.title,
        organisations=[report.owner_organization.name, report.authority_organization.name],
        issue_note=f"submitted {stage.submitted_at:%Y-%m-%d %H:%M} UTC")
    late_by = span(stage.late_by) if stage.late_by else ""
    return "pdf/incident_stage.html", {"doc": info, "report": report, "stage": stage, "late_by": late_by}
