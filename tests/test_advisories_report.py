"""The executive report's advisories section: what was released in the period, each in the edition the reader
may have at or below the report's edition (a public edition at TLP:CLEAR), and how it was acknowledged (counts
for the authors, its own answer for a recipient, nothing of another organisation's)."""
import sqlalchemy as sa

from app.documents.executive import executive_document
from app.extensions import db
from app.models import TLP
from app.models import AcknowledgementStatus
from app.models import Advisory
from tests import advisory_world as w


def _section(world, who: str, ceiling=None) -> tuple:
    _, context = executive_document(w.person(world, who), ceiling, previous=None)
    rows = [(r.reference, r.title, r.tlp, r.acknowledged) for r in context["advisories"]["rows"]]
    return rows, context["doc"].tlp, context["advisories"]


def test_the_report_lists_each_advisory_in_the_readers_edition_with_its_acknowledgements(app, monkeypatch):
    w.fake_editions(monkeypatch)
    world = w.build(app)
    with app.app_context():
        advisory = w.release(world, w.draft(world, tlp=TLP.AMBER_STRICT, public_title="Relay firmware: patch now"))
        hidden = w.release(world, w.draft(world, title="Restricted: no public edition", tlp=TLP.AMBER_STRICT))
        w.draft(world, title="Restricted: still a draft")
        from app.advisories import distribution

        distribution.acknowledge(w.person(world, "recipient_coordinator"), advisory, AcknowledgementStatus.ACTED,
                                 "Patched.")
        db.session.commit()
        ref, hidden_ref = advisory.reference, hidden.reference
        restricted = (ref, "Restricted: grid relay exploitation", TLP.AMBER_STRICT)
        public = (ref, "Relay firmware: patch now", TLP.CLEAR)

        rows, label, section = _section(world, "op_member")  # a co-author: counts, every recipient
        assert (*restricted, "1 of 2") in rows and label is TLP.AMBER_STRICT
        assert section["acknowledged_to_us"] == 1 and section["acknowledged_by_us"] == 0
        assert "Restricted: still a draft" not in {r[1] for r in rows}  # released in the period only
        rows, _, section = _section(world, "recipient_member")  # a recipient: its own answer
        assert (*restricted, "Acted") in rows and section["acknowledged_by_us"] == 1
        rows, label, _ = _section(world, "third_coordinator")  # outside: the public edition, or nothing
        assert rows == [(*public, "")] and label is TLP.CLEAR
        assert hidden_ref not in {r[0] for r in rows}
        rows, label, _ = _section(world, "op_member", TLP.GREEN)  # an edition below the restricted label
        assert rows == [(*public, "1 of 2")] and label is TLP.GREEN
        assert db.session.scalar(sa.select(sa.func.count(Advisory.id))) == 3


def test_the_rendered_report_names_the_section_and_keeps_the_restricted_title_out_of_a_public_readers(app,
                                                                                                     monkeypatch):
    w.fake_editions(monkeypatch)
    world = w.build(app)
    with app.app_context():
        w.release(world, w.draft(world, public_title="Relay firmware: patch now"))
    from flask import render_template

    with app.test_request_context():
        template, context = executive_document(w.person(world, "third_coordinator"), None, previous=None)
        html = render_template(template, **context)
    assert "Advisories released in the last 30 days" in html and "Relay firmware: patch now" in html
    assert "grid relay exploitation" not in html
