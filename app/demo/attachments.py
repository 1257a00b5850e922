"""Demo attachments: a few small real files, made at seed time, on demo records of several kinds.

A countersigned scan (a PDF made with WeasyPrint) on an active agreement, a network diagram (a PNG
drawn with Pillow) and a call tree (CSV) on an incident plan, survey results on a finished task,
change evidence on an implemented mitigation, and a briefing note on a risk. Files go in through
add_attachment(), so they are sniffed, hashed and audited like any upload.
Idempotent: a record that already holds a file of that name is left alone.
"""
import io
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from PIL import Image
from PIL import ImageDraw
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import Forbidden

from app.attachments import services
from app.extensions import db
from app.models import Agreement
from app.models import AgreementStatus
from app.models import Attachment
from app.models import IncidentPlan
from app.models import Mitigation
from app.models import MitigationStatus
from app.models import Risk
from app.models import Task
from app.models import TaskStatus


def countersigned_pdf(agreement: Agreement) -> bytes:
    from app.pdf import write_pdf

    parties = "".join(f"<li>{p.organization.name}: signed by {p.signatory_name or 'the authorised representative'}"
                      "</li>" for p in agreement.parties)
    html = (f"<html><body style='font-family: sans-serif'><h1>{agreement.reference}</h1>"
            f"<p>Countersigned copy of “{agreement.title}”, scanned after the paper signature.</p>"
            f"<ul>{parties}</ul><p style='margin-top:3cm'>Signature: ______________________</p></body></html>")
    return write_pdf(html, str(Path(current_app.static_folder).resolve()))


def network_diagram_png() -> bytes:
    image = Image.new("RGB", (480, 260), "white")
    draw = ImageDraw.Draw(image)
    boxes = {"Internet": (20, 110), "Firewall": (140, 110), "DMZ historian": (270, 40), "SCADA HMI": (270, 180),
             "PLCs": (390, 180)}
    for name, (x, y) in boxes.items():
        draw.rectangle([x, y, x + 90, y + 40], outline="navy", width=2)
        draw.text((x + 6, y + 14), name, fill="black")
    for a, b in (("Internet", "Firewall"), ("Firewall", "DMZ historian"), ("Firewall", "SCADA HMI"),
                 ("SCADA HMI", "PLCs")):
        (ax, ay), (bx, by) = boxes[a], boxes[b]
        draw.line([ax + 90, ay + 20, bx, by + 20], fill="gray", width=2)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


CALL_TREE = ("tier,role,first call,then\n1,Duty officer,Plant control room,Incident lead\n"
             "2,Incident lead,Utility CISO,Partnership coordinator\n3,Utility CISO,Executive on call,Regulator\n")
SURVEY = ("site,plcs,firmware current,remote access\nNorth pumping station,6,yes,VPN\n"
          "Riverside treatment,11,no,vendor modem\nHill reservoir,2,yes,none\n")
EVIDENCE = ("Change record CHG-2041\nFirewall rule set deployed on both control-centre firewalls.\n"
            "Verified by a second engineer; rule review scheduled quarterly.\n")
BRIEFING = ("Briefing note for the partnership steering group\n\nThe likelihood was raised after the sector "
            "alert; mitigations are under way and reviewed monthly.\n")


def _first(stmt):
    return db.session.scalars(stmt.limit(1)).first()


def _attach(record, actor, filename: str, data: bytes) -> int:
    if record is None or actor is None:
        return 0
    exists = db.session.scalar(sa.select(Attachment.id).where(Attachment.linked_to(record),
                                                              Attachment.filename == filename))
    if exists is not None:
        return 0
    try:
        services.add_attachment(actor, record, FileStorage(io.BytesIO(data), filename))
    except Forbidden:
        return 0
    return 1


def seed(people) -> int:
    added = 0
    agreement = _first(sa.select(Agreement).where(Agreement.status == AgreementStatus.ACTIVE,
                                                  Agreement.archived_at.is_(None)).order_by(Agreement.id))
    if agreement is not None:
        added += _attach(agreement, agreement.created_by, f"{agreement.reference}-countersigned.pdf",
                         countersigned_pdf(agreement))
    plan = _first(sa.select(IncidentPlan).where(IncidentPlan.archived_at.is_(None)).order_by(IncidentPlan.id))
    if plan is not None:
        added += _attach(plan, plan.created_by, "network-diagram.png", network_diagram_png())
        added += _attach(plan, plan.created_by, "call-tree.csv", CALL_TREE.encode())
    task = _first(sa.select(Task).where(Task.status == TaskStatus.DONE, Task.archived_at.is_(None),
                                        Task.assignee_id.is_not(None)).order_by(Task.id))
    if task is not None:
        added += _attach(task, task.assignee, "site-survey-results.csv", SURVEY.encode())
    mitigation = _first(sa.select(Mitigation).where(Mitigation.status == MitigationStatus.IMPLEMENTED,
                                                    Mitigation.archived_at.is_(None)).order_by(Mitigation.id))
    if mitigation is not None:
        added += _attach(mitigation, mitigation.risk.created_by, "change-record-CHG-2041.txt", EVIDENCE.encode())
    risk = _first(sa.select(Risk).where(Risk.archived_at.is_(None)).order_by(Risk.id))
    if risk is not None:
        added += _attach(risk, risk.created_by, "steering-group-briefing.txt", BRIEFING.encode())
    db.session.flush()
    return added
