"""/verify: a signed-in user uploads a PDF and learns whether this Palisade issued it (SHA-256 match in
`documents`, only what the uploader may see) and whether its platform seal is intact. Nothing is stored.

The seal is checked outside the web thread, bounded in certificates and time (app/signing/verify_check.py).
"""
import hashlib
from dataclasses import dataclass
from dataclasses import field

from flask import current_app
from flask import render_template
from flask import request
from flask_login import current_user

from app import permissions
from app.documents.services import issued_here
from app.extensions import db
from app.models import Document
from app.seal import SealCheck
from app.signing import bp
from app.signing.forms import VerifyForm
from app.signing.verify_check import CheckBusy
from app.signing.verify_check import bounded_check_seal


@dataclass
class Verdict:
    filename: str
    size: int
    sha256: str
    matches: list[Document] = field(default_factory=list)
    hidden_match: bool = False  # issued here, on a record the uploader may not read
    seal: SealCheck | None = None


def size_limit() -> int:
    """The upload cap: VERIFY_MAX_MB, within the request size limit."""
    cap = int(current_app.config.get("VERIFY_MAX_MB", 20)) * 1024 * 1024
    request_cap = request.max_content_length  # raised for this endpoint (attachments.UPLOAD_ENDPOINTS)
    return min(cap, request_cap - 64 * 1024) if request_cap else cap


def examine(content: bytes, filename: str) -> Verdict:
    digest = hashlib.sha256(content).hexdigest()
    verdict = Verdict(filename=filename[:200], size=len(content), sha256=digest)
    verdict.matches = list(db.session.scalars(
        permissions.visible_documents(current_user).where(Document.sha256 == digest)
        .order_by(Document.issued_at.desc())))
    if not verdict.matches:
        verdict.hidden_match = issued_here(digest)
    verdict.seal = bounded_check_seal(content)
    return verdict


@bp.route("/verify", methods=["GET", "POST"])
def verify():
    form = VerifyForm()
    verdict = None
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        content = upload.read(size_limit() + 1)
        if len(content) > size_limit():
            form.file.errors.append(f"The file is larger than {size_limit() // (1024 * 1024)} MB.")
        elif not content.startswith(b"%PDF-"):
            form.file.errors.append("Only PDF files can be checked: this file is not a PDF.")
        else:
            try:
                verdict = examine(content, upload.filename or "upload.pdf")
            except CheckBusy as exc:
                form.file.errors.append(str(exc))
                status = 503
    if form.errors and status == 200:
        status = 400
    return render_template("signing/verify.html", form=form, verdict=verdict,
                           max_mb=size_limit() // (1024 * 1024)), status
