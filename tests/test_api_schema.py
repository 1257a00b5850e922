"""Schemathesis against the served API (werkzeug's threaded server in this process: gunicorn's start costs
half a minute and the API does not depend on the process model), with a read-and-write token, for every operation of the
generated OpenAPI document: no 5xx, and every answer conforms to the document (status codes, content types,
headers, bodies). Bounded: the coverage phase's boundary cases and a few fuzzed examples per operation.

The summary is printed (`pytest -s` shows it); a failure quotes schemathesis' report.
"""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from app.extensions import db
from app.kinds import with_attachments
from app.models import TLP, AgreementStatus, Role, User
from tests import factories
from tests.api_helpers import token_for

CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,"
          "response_schema_conformance")
# The operations every kind shares (its files, archive and restore) are one view each, registered per kind from
# app/kinds.py with the same models: they are fuzzed on agreements (the seeded records: the views run in full) and
# mitigations (nested under their risk); the other kinds' copies of them are left out (about 70 operations,
# several minutes of the run). tests/test_api_access.py walks every kind's copy.
SAMPLED_KINDS = {"agreement", "mitigation"}
SHARED_COPIES = (r"^(upload_|archive_|restore_)?(" + "|".join(kind.key for kind in with_attachments()
                                                             if kind.key not in SAMPLED_KINDS)
                 + r")(_attachments?|_attachment_content)?$")
SCHEMATHESIS = shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or shutil.which("schemathesis")


def _seed(app) -> str:
    with app.app_context():
        org, partner = factories.organization(name="Riverbend Water"), factories.organization(name="Northgrid")
        coordinator = factories.user(role=Role.COORDINATOR, organization=org)
        for status, tlp in ((AgreementStatus.DRAFT, TLP.AMBER), (AgreementStatus.IN_REVIEW, TLP.GREEN),
                            (AgreementStatus.ACTIVE, TLP.RED), (AgreementStatus.DRAFT, TLP.CLEAR)):
            factories.agreement(created_by=coordinator, status=status, tlp=tlp, parties=[partner])
        factories.agreement(created_by=factories.user(role=Role.COORDINATOR, organization=partner))
        return token_for(db.session.get(User, coordinator.id), name="schemathesis")


@pytest.mark.skipif(SCHEMATHESIS is None, reason="schemathesis is not installed (requirements-dev.txt)")
def test_schemathesis_finds_no_server_error_and_every_answer_conforms(live_app, tmp_path):
    served = live_app
    secret = _seed(served.app)
    served.app.config["API_RATE_LIMIT"] = "100000/minute"  # the run is a burst; 429 stays documented
    command = [SCHEMATHESIS, "run", served.url + "/api/v1/openapi.json", "--header", f"Authorization: Bearer {secret}",
               "--checks", CHECKS, "--phases", "coverage,fuzzing", "--max-examples", "5", "--seed", "29",
               "--generation-deterministic", "--workers", "1", "--no-color",
               "--request-timeout", "30", "--exclude-operation-id-regex", SHARED_COPIES]
    # One worker: two threads of its coverage phase parse lambdas' source with ast.parse at once, which Python
    # 3.11 answers with "SystemError: AST constructor recursion depth mismatch" now and then (no faster with two).
    # Its caches go to the test's own directory, never into the checkout.
    run = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    summary = run.stdout[run.stdout.rfind("SUMMARY"):] if "SUMMARY" in run.stdout else run.stdout[-3000:]
    print(summary)
    assert secret not in run.stdout  # schemathesis masks the Authorization header in its report
    assert run.returncode == 0, run.stdout[-8000:] + run.stderr[-2000:] + served.log()
    assert "Tested: " in summary and "Test cases:" in summary
