"""AC-09 in the risk register PDF: a risk the reader sees may belong to an initiative she may not
read; the register (every edition) names no such initiative, as the risk's page does not."""
import io

from pypdf import PdfReader

from app.extensions import db
from app.models import TLP
from app.models import Role
from tests import factories


def _text(pdf: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_register_pdf_does_not_name_an_initiative_the_reader_cannot_read(app, client_as):
    with app.app_context():
        owner_org, reader_org = factories.organization(name="Alpha Water"), factories.organization(name="Beta Grid")
        owner = factories.user(role=Role.COORDINATOR, organization=owner_org)
        reader = factories.user(role=Role.EXECUTIVE, organization=reader_org)
        hidden = factories.initiative(created_by=owner, tlp=TLP.AMBER_STRICT, reference="INI-2026-7777",
                                      title="ZZHIDDENINITIATIVE")
        shared = factories.initiative(created_by=owner, tlp=TLP.GREEN, reference="INI-2026-8888")
        factories.risk(created_by=owner, tlp=TLP.GREEN, initiative=hidden, title="Pump station flooding")
        factories.risk(created_by=owner, tlp=TLP.GREEN, initiative=shared, title="Spare transformer shortage")
        db.session.commit()
        client = client_as(reader)
    page = client.get("/risks/?q=Pump").get_data(as_text=True)
    assert "Pump station flooding" in page and "INI-2026-7777" not in page
    for path in ("/risks/register.pdf", "/risks/register.pdf?tlp=green"):
        response = client.get(path)
        assert response.status_code == 200 and response.mimetype == "application/pdf", path
        text = _text(response.data)
        assert "Pump station flooding" in text and "Spare transformer shortage" in text
        assert "INI-2026-8888" in text  # an initiative the reader may read is still named
        assert "INI-2026-7777" not in text and "ZZHIDDEN" not in text, path
