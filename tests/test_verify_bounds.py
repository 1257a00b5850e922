"""/verify answers every file within bounded time and in words people read: a signature carrying a
ring of CA certificates (path building explodes: eight took 29 s a request) is refused by the
certificate cap, or stopped by the time limit of the checker process; a damaged file is said to be
damaged, never with an internal exception name."""
import io
import re
import time

import pytest

from app.models import Role
from app.signing import verify_check
from tests import factories
from tests.verify_pdfs import blank_pdf
from tests.verify_pdfs import ring_pdf

EXCEPTION_NAME = re.compile(r"\b\w*(Error|Exception)\b")


@pytest.fixture
def reader(app):
    with app.app_context():
        return app.test_client(user=factories.user(role=Role.MEMBER))


def upload(client, content: bytes, name="document.pdf"):
    return client.post("/verify", data={"file": (io.BytesIO(content), name)}, content_type="multipart/form-data")


def seal_panel(response) -> str:
    match = re.search(r'data-seal="([a-z]+)">(.*?)</div>', response.text, re.S)
    assert match, response.text[-2000:]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", match.group(2))).strip()


def warm(client):
    """The checker child starts once per web process (it imports pyHanko): not part of what is timed."""
    response = upload(client, blank_pdf())
    assert response.status_code == 200 and "carries no digital signature" in seal_panel(response)


def test_a_ring_of_ca_certificates_is_refused_by_the_cap_at_once(app, reader):
    warm(reader)
    started = time.monotonic()
    response = upload(reader, ring_pdf(8), "ring.pdf")
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert 'data-verdict="unknown"' in response.text
    assert "carries 9 certificates (at most 6 are checked)" in seal_panel(response)
    assert elapsed < 5, elapsed


def test_past_the_cap_the_time_limit_stops_the_check_and_the_next_file_is_checked(app, reader):
    app.config.update(VERIFY_MAX_CERTIFICATES=50, VERIFY_TIMEOUT=2)
    warm(reader)
    first = verify_check.checker_pid()
    started = time.monotonic()
    response = upload(reader, ring_pdf(8), "ring.pdf")
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert "could not be checked in time" in seal_panel(response)
    assert elapsed < 2 + 3, elapsed  # the limit, plus the request's own work on a busy host
    assert verify_check.checker_pid() is None  # the runaway check was killed, not left to burn a CPU
    warm(reader)  # a new checker answers the next file
    assert verify_check.checker_pid() not in (None, first)


@pytest.mark.parametrize("content", [
    b"%PDF-1.7\n" + b"\x00garbage" * 50,
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n",
])
def test_a_damaged_file_gets_a_clear_message_without_internal_names(app, reader, content):
    response = upload(reader, content, "damaged.pdf")
    assert response.status_code == 200
    panel = seal_panel(response)
    assert "could not be read as a PDF: it is damaged or incomplete" in panel
    assert not EXCEPTION_NAME.search(response.text.split('id="verdict"')[1]), panel


def test_a_truncated_sealed_file_gets_a_clear_message(app, reader):
    sealed = ring_pdf(1)
    response = upload(reader, sealed[: len(sealed) * 2 // 3], "cut.pdf")
    assert response.status_code == 200
    panel = seal_panel(response)
    assert not EXCEPTION_NAME.search(response.text.split('id="verdict"')[1]), panel
    assert "damaged" in panel or "malformed" in panel or "changed after sealing" in panel
