"""The exercise documents: the situation manual and the controller/evaluator handbook issued when the
exercise is ready (the handbook only to controllers, evaluators and the lead coordinators, never through the
generic document routes), and the AAR/IP approved with four eyes, then issued, sealed and TLP-marked in its
editions, never changing afterwards."""
import io

import sqlalchemy as sa
from pypdf import PdfReader

from app import seal
from app.extensions import db
from app.models import TLP
from app.models import CorrectiveAction
from app.models import CorrectiveActionStatus
from app.models import Document
from app.models import Exercise
from app.models import ExerciseEvaluation
from app.models import ExerciseStatus
from app.models import today
from tests.exercise_world import SECRET
from tests.exercise_world import build
from tests.exercise_world import client
from tests.exercise_world import person


def _pages(content: bytes) -> list[str]:
    """Each page's text with table cells' line breaks folded into spaces."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(content)).pages]


def _ready(app, world):
    with app.app_context():
        exercise = db.session.get(Exercise, world.ids["exercise_id"])
        exercise.scenario = "A heatwave takes the grid down at 14:00."
        db.session.commit()
        version = exercise.version
    return client(app, world, "lead_coordinator").post(f"/exercises/{world.ids['exercise_id']}/status",
                                                       data={"new_status": "ready", "version": version})


def test_the_situation_manual_and_handbook_are_issued_sealed_when_the_exercise_is_ready(app):
    world = build(app)
    base = f"/exercises/{world.ids['exercise_id']}"
    # Not issued while planning: the reader is told when it will be.
    assert client(app, world, "player").get(f"{base}/sitman.pdf").status_code == 302
    assert _ready(app, world).status_code == 302
    sitman = client(app, world, "player").get(f"{base}/sitman.pdf")
    assert sitman.status_code == 200 and sitman.headers["Cache-Control"] == "no-store"
    pages = _pages(sitman.data)
    assert all("TLP:AMBER+STRICT" in page for page in pages)
    text = "\n".join(pages)
    assert "A heatwave takes the grid down" in text and "Infrastructure Systems" in text
    assert SECRET not in text and "Activate mutual aid" not in text
    with app.app_context():
        assert seal.check_seal(sitman.data).ok
    for who, status in (("controller", 200), ("evaluator", 200), ("lead_coordinator", 200), ("player", 404),
                        ("observer", 404), ("partner_coordinator", 404), ("admin", 404), ("client_member", 404)):
        response = client(app, world, who).get(f"{base}/handbook.pdf")
        assert response.status_code == status, who
        if status == 200:
            handbook = "\n".join(_pages(response.data))
            assert SECRET in handbook and "Activate mutual aid" in handbook and "TLP:AMBER+STRICT" in handbook
    with app.app_context():
        handbook = db.session.scalars(sa.select(Document).where(Document.kind == "exercise_handbook")).one()
        handbook_id, stored = handbook.id, handbook.content
    # Nobody reaches the handbook through the generic routes; /verify does not name it.
    for who in ("player", "lead_coordinator"):
        assert client(app, world, who).get(f"/documents/{handbook_id}.pdf").status_code == 404, who
    verdict = client(app, world, "player").post("/verify", data={"file": (io.BytesIO(stored), "h.pdf")},
                                                content_type="multipart/form-data")
    assert verdict.status_code == 200
    with app.app_context():
        assert db.session.get(Exercise, world.ids["exercise_id"]).reference not in verdict.text


def _evaluated(app, world):
    with app.app_context():
        exercise = db.session.get(Exercise, world.ids["exercise_id"])
        exercise.status, exercise.conducted_on = ExerciseStatus.EVALUATED, exercise.starts_at.date()
        db.session.add(ExerciseEvaluation(objective_id=world.ids["objective_id"], rating="S",
                                          evaluator_id=person(world, "evaluator").id, critical_tasks="Call-out",
                                          strengths="Generators arrived in 3 h",
                                          areas_for_improvement="Fuel contracts missing"))
        db.session.commit()


def test_the_aar_is_approved_with_four_eyes_then_issued_in_tlp_editions_that_never_change(app):
    world = build(app)
    _evaluated(app, world)
    base = f"/exercises/{world.ids['exercise_id']}"
    lead = client(app, world, "lead_coordinator")
    assert client(app, world, "partner_coordinator").post(f"{base}/aar/submit").status_code == 403
    assert lead.post(f"{base}/aar/submit").status_code == 302
    page = lead.post(f"{base}/aar/approve", follow_redirects=True).get_data(as_text=True)
    assert "cannot approve it (four eyes)" in page
    assert client(app, world, "player").get(f"{base}/aar.pdf").status_code == 302  # not issued yet
    assert client(app, world, "lead_coordinator_2").post(f"{base}/aar/approve").status_code == 302
    with app.app_context():
        editions = db.session.scalars(sa.select(Document.tlp).where(Document.kind.like("exercise_aar_%"))).all()
        assert sorted(t.rank for t in editions) == [0, 1, 2, 3]  # CLEAR, GREEN, AMBER, AMBER+STRICT
    full = client(app, world, "player").get(f"{base}/aar.pdf")
    full_pages = _pages(full.data)
    assert all("TLP:AMBER+STRICT" in p for p in full_pages)
    text = "\n".join(full_pages)
    for expected in ("Generators arrived in 3 h", "Fuel contracts missing", "Stock generator fuel", "Grid Power Co",
                     "Equipment", "S — performed with some challenges"):
        assert expected in text, expected
    clear = client(app, world, "player").get(f"{base}/aar.pdf?tlp=clear")
    clear_pages = _pages(clear.data)
    assert all("TLP:CLEAR" in p for p in clear_pages) and not any("AMBER" in p for p in clear_pages)
    clear_text = "\n".join(clear_pages)
    assert "S — performed with some challenges" in clear_text and "Equipment" in clear_text
    for hidden in ("Generators arrived", "Fuel contracts missing", "Stock generator fuel", "Grid Power Co",
                   "Exercise 1"):
        assert hidden not in clear_text, hidden
    assert client(app, world, "player").get(f"{base}/aar.pdf?tlp=red").status_code == 400
    assert client(app, world, "player").get(f"{base}/aar.pdf?tlp=purple").status_code == 400
    assert client(app, world, "client_member").get(f"{base}/aar.pdf").status_code == 404
    with app.app_context():
        assert seal.check_seal(full.data).ok
        action = db.session.get(CorrectiveAction, world.ids["corrective_action_id"])
        action.status = CorrectiveActionStatus.IN_PROGRESS
        db.session.commit()
    assert client(app, world, "player").get(f"{base}/aar.pdf").data == full.data  # issued: never re-rendered
    assert lead.post(f"{base}/aar/submit").status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Document.id)).where(
            Document.kind.like("exercise_aar_%"))) == 4  # approved once: not again


def test_an_exercise_closes_only_after_its_aar_is_approved(app):
    world = build(app)
    _evaluated(app, world)
    with app.app_context():
        version = db.session.get(Exercise, world.ids["exercise_id"]).version
    page = client(app, world, "lead_coordinator").post(
        f"/exercises/{world.ids['exercise_id']}/status", data={"new_status": "closed", "version": version},
        follow_redirects=True).get_data(as_text=True)
    assert "Approve the after-action report before closing" in page
    with app.app_context():
        assert db.session.get(Exercise, world.ids["exercise_id"]).status is ExerciseStatus.EVALUATED
        assert TLP.AMBER_STRICT is db.session.get(Exercise, world.ids["exercise_id"]).tlp


def test_the_executive_report_counts_exercises_ratings_and_corrective_actions_per_edition(app):
    from datetime import timedelta

    from app.documents.executive import executive_document
    from app.pdf import render_pdf

    world = build(app)
    _evaluated(app, world)
    with app.app_context():
        action = db.session.get(CorrectiveAction, world.ids["corrective_action_id"])
        action.due_date = today() - timedelta(days=1)  # overdue
        db.session.commit()
        reader = person(world, "lead_coordinator")
        reference = action.exercise.reference
        template, full = executive_document(reader, None)
        assert full["exercises"].total == 1 and full["actions_overdue"] == 1
        assert (full["actions_open"], dict(full["ratings"])["S"]) == (1, 1)
        assert [e.reference for e in full["exercises"].rows] == [reference]
        pages = _pages(render_pdf(template, **full))
        assert any("Exercises and corrective actions" in p and reference in p for p in pages)
        _, green = executive_document(reader, TLP.GREEN)  # the exercise is AMBER+STRICT: not in a GREEN edition
        assert green["exercises"].rows == [] and green["actions_overdue"] == 0
        _, outsider = executive_document(person(world, "third_coordinator"), None)
        assert outsider["exercises"].total == 0 and outsider["actions_open"] == 0
