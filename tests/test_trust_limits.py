"""The upload allowance (issue 22): only a signed-in user's request with a valid CSRF token may carry more than
MAX_CONTENT_LENGTH; an anonymous or forged request is refused at 2 MiB, before its body is read."""
import io
import re

from app.models import TLP
from app.models import Role
from config import CsrfTestConfig
from tests import factories
from tests.attachment_files import PDF
from tests.conftest import make_app

BIG = PDF + b"0" * (2 * 1024 * 1024 + 500_000)  # 2.5 MiB: over MAX_CONTENT_LENGTH, under the upload limit


def _world():
    app = make_app(CsrfTestConfig)
    app.config["ATTACHMENT_REQUEST_MAX_MB"] = 3
    with app.app_context():
        org = factories.organization()
        coordinator = factories.user(role=Role.COORDINATOR, organization=org)
        member = factories.user(role=Role.MEMBER, organization=org)
        group = factories.working_group(created_by=coordinator, tlp=TLP.GREEN, members=[coordinator, member])
        task = factories.task(working_group=group, assignee=member)
        coordinator.get_id()
        return app, coordinator, task.id


def _post(client, task_id: int, token: str | None):
    data = {"csrf_token": token} if token is not None else {}
    data["files"] = [(io.BytesIO(BIG), "big.pdf", "application/pdf")]
    return client.post(f"/attachments/tasks/{task_id}/", data=data, content_type="multipart/form-data")


def test_anonymous_and_forged_uploads_get_the_small_body_limit():
    app, coordinator, task_id = _world()
    assert _post(app.test_client(), task_id, None).status_code == 413
    assert _post(app.test_client(), task_id, "forged.token.value").status_code == 413
    signed_in = app.test_client(user=coordinator)
    assert _post(signed_in, task_id, None).status_code == 413, "signed in, but no token"
    assert _post(signed_in, task_id, "forged.token.value").status_code == 413


def test_a_signed_in_upload_with_its_csrf_token_gets_the_upload_limit():
    app, coordinator, task_id = _world()
    client = app.test_client(user=coordinator)
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    answer = _post(client, task_id, token)
    assert answer.status_code == 303, answer.status_code
    header = client.post(f"/attachments/tasks/{task_id}/", headers={"X-CSRFToken": token},
                         data={"csrf_token": token, "files": [(io.BytesIO(BIG), "again.pdf", "application/pdf")]},
                         content_type="multipart/form-data")
    assert header.status_code == 303
