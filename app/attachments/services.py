"""Use cases of attachments: add (type, size and record checks), archive, restore, audited downloads.

Every function authorizes first, audits in the same transaction, flushes and never commits.
`add_attachment(actor, record, file_storage)` is the one way a file enters the database (the
upload form, status updates with files, countersigned copies filed by the signing flow).
"""
import hashlib
import re
import unicodedata

import sqlalchemy as sa
from flask import current_app

from app import audit
from app import kinds
from app import permissions
from app import records
from app.attachments import sniff
from app.attachments.sniff import Refused
from app.extensions import db
from app.models import TLP
from app.models import Attachment
from app.models import User

FILENAME_MAX = 120
# Downloads of these labels are audited (who read what, for need-to-know follow-up).
AUDITED_DOWNLOAD_TLPS = frozenset({TLP.AMBER_STRICT, TLP.RED})
MB = 1024 * 1024


class TooLarge(Refused):
    """A file over MAX_ATTACHMENT_MB, or a record over its total: answered with 413."""


def limits() -> dict[str, int]:
    config = current_app.config
    return {"file_mb": config["MAX_ATTACHMENT_MB"], "record_mb": config["ATTACHMENT_RECORD_MAX_MB"],
            "request_mb": config["ATTACHMENT_REQUEST_MAX_MB"], "files": config["ATTACHMENT_MAX_FILES"]}


def safe_filename(raw: str | None) -> str:
    """Display data only: no directories, no control or bidi characters, at most FILENAME_MAX long."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")  # controls, bidi, format
    name = re.sub(r"\s+", " ", name).strip().lstrip(".").strip()
    name = re.sub(r'[<>:"|?*]', "_", name)
    if len(name) > FILENAME_MAX:
        dot = name.rfind(".")
        ext = name[dot:] if 0 < dot and len(name) - dot <= 10 else ""
        name = name[:FILENAME_MAX - len(ext)].rstrip() + ext
    return name or "attachment"


def _read(file_storage, filename: str) -> bytes:
    limit = current_app.config["MAX_ATTACHMENT_MB"] * MB
    data = file_storage.stream.read(limit + 1)
    if len(data) > limit:
        raise TooLarge(f"“{filename}” is larger than {limits()['file_mb']} MB, the limit per file.")
    return data


def record_attachments(record, *, archived: bool | None = None) -> list[Attachment]:
    """Files of a record the caller already loaded through its scope, oldest first."""
    stmt = (sa.select(Attachment).where(Attachment.linked_to(record))
            .order_by(Attachment.uploaded_at, Attachment.id))
    if archived is not None:
        stmt = stmt.where(Attachment.archived_at.is_not(None) if archived else Attachment.archived_at.is_(None))
    return list(db.session.scalars(stmt))


def stored_bytes(record) -> int:
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Attachment.size), 0))
                             .where(Attachment.linked_to(record))) or 0


def add_attachment(actor: User, record, file_storage, *, update_id: int | None = None) -> Attachment:
    """Check and store one uploaded file (a werkzeug FileStorage) on `record`. Raises Refused."""
    record_kind = kinds.kind_of(record)
    permissions.authorize(permissions.can_add_attachment(actor, record))
    filename = safe_filename(file_storage.filename)
    data = _read(file_storage, filename)
    config = current_app.config
    kind = sniff.identify(data, filename, zip_max_bytes=config["ATTACHMENT_ZIP_MAX_MB"] * MB,
                          zip_max_entries=config["ATTACHMENT_ZIP_MAX_ENTRIES"])
    record_limit = config["ATTACHMENT_RECORD_MAX_MB"] * MB
    if stored_bytes(record) + len(data) > record_limit:
        raise TooLarge(f"“{filename}” does not fit: this {record_kind.label} may hold at most "
                       f"{config['ATTACHMENT_RECORD_MAX_MB']} MB of files, archived ones included.")
    attachment = Attachment(object_type=record_kind.table, object_id=record.id, filename=filename,
                            content_type=kind.content_type, size=len(data),
                            sha256=hashlib.sha256(data).hexdigest(), content=data, uploaded_by_id=actor.id,
                            update_id=update_id)
    db.session.add(attachment)
    db.session.flush()
    audit.record(actor, "attachment.uploaded", record,
                 summary=f"#{attachment.id} {filename} ({kind.label}, {len(data)} bytes, "
                         f"SHA-256 {attachment.sha256[:12]})")
    return attachment


def add_attachments(actor: User, record, files, *, update_id: int | None = None) -> list[Attachment]:
    """Several files at once: all or nothing (the caller rolls back on Refused)."""
    files = [f for f in files if f is not None and (f.filename or "").strip()]
    if len(files) > current_app.config["ATTACHMENT_MAX_FILES"]:
        raise Refused(f"At most {current_app.config['ATTACHMENT_MAX_FILES']} files at once.")
    return [add_attachment(actor, record, f, update_id=update_id) for f in files]


def archive_attachment(actor: User, record, attachment: Attachment) -> bool:
    permissions.authorize(permissions.can_add_attachment(actor, record))
    return records.stamp(actor, record, attachment, "archived_at", True, "attachment.archived",
                         f"#{attachment.id} {attachment.filename}")


def restore_attachment(actor: User, record, attachment: Attachment) -> bool:
    permissions.authorize(permissions.can_add_attachment(actor, record))
    return records.stamp(actor, record, attachment, "archived_at", False, "attachment.restored",
                         f"#{attachment.id} {attachment.filename}")


def note_download(actor: User, record, attachment: Attachment) -> None:
    """Audit the download of a TLP:AMBER+STRICT or TLP:RED record's file."""
    tlp = kinds.kind_of(record).parent_of(record).tlp
    if tlp in AUDITED_DOWNLOAD_TLPS:
        audit.record(actor, "attachment.downloaded", record,
                     summary=f"#{attachment.id} {attachment.filename} ({tlp.label})")


def iter_content(engine: sa.Engine, attachment_id: int, size: int, chunk: int = MB):
    """The stored bytes in chunks, never the whole blob at once.

    PostgreSQL (and any other database): SUBSTR on the server, one chunk per query. SQLite evaluates
    SUBSTR on a BLOB by loading the whole value (bench/attachments.py measured +120 % of the file in
    RSS), so there the blob is read incrementally through sqlite3's blob API instead. Uses its own
    connection from `engine` (no request context needed while the response streams); the connection
    goes back to the pool when the generator ends or is closed."""
    with engine.connect() as connection:
        driver = connection.connection.driver_connection
        if engine.dialect.name == "sqlite" and hasattr(driver, "blobopen"):
            with driver.blobopen(Attachment.__tablename__, "content", attachment_id, readonly=True) as blob:
                while piece := blob.read(chunk):
                    yield piece
            return
        statement = sa.select(sa.func.substr(Attachment.content, sa.bindparam("offset"), chunk,
                                             type_=sa.LargeBinary)).where(Attachment.id == attachment_id)
        offset = 1
        while offset <= size:
            piece = connection.scalar(statement, {"offset": offset})
            if not piece:
                return
            yield bytes(piece)
            offset += chunk


def add_update_files(actor: User, record, files, *, update_id: int | None = None) -> list[Attachment]:
    """Files sent with a task or mitigation status update, tied to that timeline entry.

    Tasks pass their TaskUpdate id; a mitigation's timeline is its audit trail, so its files are tied
    to the status change's audit event (the latest one of the mitigation)."""
    from app.models import AuditEvent

    if update_id is None:
        update_id = db.session.scalar(sa.select(sa.func.max(AuditEvent.id))
                                      .where(AuditEvent.linked_to(record)))
    return add_attachments(actor, record, files, update_id=update_id)


def files_by_update(record) -> dict[int, list[Attachment]]:
    """The record's files that came with a timeline entry, by entry id (for the updates timeline)."""
    grouped: dict[int, list[Attachment]] = {}
    for attachment in record_attachments(record):
        if attachment.update_id is not None:
            grouped.setdefault(attachment.update_id, []).append(attachment)
    return grouped


def counts_by_record(model: type, record_ids: list[int]) -> dict[int, int]:
    """Unarchived files per record, for records of one kind already loaded through their scope."""
    if not record_ids:
        return {}
    rows = db.session.execute(sa.select(Attachment.object_id, sa.func.count(Attachment.id))
                              .where(Attachment.object_type == model.__tablename__,
                                     Attachment.object_id.in_(record_ids), Attachment.archived_at.is_(None))
                              .group_by(Attachment.object_id))
    return {object_id: count for object_id, count in rows}
