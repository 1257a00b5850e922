"""Files on an advisory: its authors' coordinators add them to the draft; they belong to the restricted text,
so a public-edition reader neither sees nor downloads them; a released advisory never changes, so nobody adds
or archives a file then. Each person of the advisory's world, before and after release."""
import io

import sqlalchemy as sa

from app.extensions import db
from app.models import Attachment
from tests import advisory_world as w

ADDS_TO_DRAFT = {"gov_coordinator", "gov_coordinator2", "op_coordinator", "op_coordinator2"}
READS_DRAFT = ADDS_TO_DRAFT | {"gov_member", "gov_executive", "op_member"}
# Released at AMBER with a public edition: the named recipient (and its client), the water sector's organisation
# (the sector expands at release) and the admin read the restricted text; the third organisation and the CSIRT
# only the public edition (404 on the files).
READS_RELEASED = READS_DRAFT | {"recipient_coordinator", "recipient_member", "client_member", "sector_coordinator",
                                "admin"}


def _upload(client, advisory_id, name):
    data = {"files": [(io.BytesIO(b"indicators\n"), name, "text/plain")]}
    return client.post(f"/attachments/advisories/{advisory_id}/", data=data, content_type="multipart/form-data")


def _files(app, advisory_id) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(sa.select(Attachment.filename).where(
            Attachment.object_type == "advisories", Attachment.object_id == advisory_id)))


def test_files_are_added_to_the_draft_by_its_authors_coordinators_and_read_in_the_restricted_edition(app, monkeypatch):
    w.fake_editions(monkeypatch)
    world = w.build(app)
    with app.app_context():
        advisory_id = w.draft(world, public_title="Relay firmware: patch now").id
    wrong = []
    for who in w.PEOPLE:
        status = _upload(w.client(app, world, who), advisory_id, f"{who}.txt").status_code
        expected = 303 if who in ADDS_TO_DRAFT else 403 if who in READS_DRAFT else 404
        if status != expected:
            wrong.append(("draft upload", who, status, expected))
    assert _files(app, advisory_id) == {f"{who}.txt" for who in ADDS_TO_DRAFT}
    with app.app_context():
        from app.models import Advisory

        w.release(world, db.session.get(Advisory, advisory_id))
        file_id = db.session.scalar(sa.select(Attachment.id).where(Attachment.filename == "gov_coordinator.txt"))
    for who in w.PEOPLE:
        client = w.client(app, world, who)
        reads = who in READS_RELEASED
        got = client.get(f"/attachments/advisories/{advisory_id}/{file_id}")
        if got.status_code != (200 if reads else 404) or (reads and got.data != b"indicators\n"):
            wrong.append(("download", who, got.status_code))
        page = client.get(f"/advisories/{advisory_id}").get_data(as_text=True)
        if ("gov_coordinator.txt" in page) is not reads:
            wrong.append(("listed on the page", who, not reads))
        if _upload(client, advisory_id, "late.txt").status_code not in (403, 404):
            wrong.append(("upload after release", who))
        if client.post(f"/attachments/advisories/{advisory_id}/{file_id}/archive").status_code not in (403, 404):
            wrong.append(("archive after release", who))
    public = w.client(app, world, "third_coordinator").get(f"/advisories/{advisory_id}?edition=public")
    assert public.status_code == 200 and "gov_coordinator.txt" not in public.get_data(as_text=True)
    assert not wrong, wrong
    assert "late.txt" not in _files(app, advisory_id)
