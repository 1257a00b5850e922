"""Two-factor sign-in: TOTP (RFC 6238, pyotp) plus single-use backup codes.

* Secrets are CSPRNG-generated (`pyotp.random_base32()`) and stored encrypted with Fernet under a
  key derived from SECRET_KEY by HKDF (SECRET_KEY_FALLBACKS still decrypt, so keys can rotate).
* A code is accepted once: the matched time step is persisted in `users.totp_last_timecode` and a
  code for that step or an earlier one is refused (replay). One step of clock drift either way.
* Backup codes: ten, shown once, stored as argon2 hashes, each usable once.
* Sign-in with two-factor is two steps: the password step leaves only a short-lived pending marker
  in the session (`begin_second_factor`); the session becomes a login only after the code.
"""
import re
import secrets

import pyotp
import segno
import sqlalchemy as sa
from flask import current_app
from flask import redirect
from flask import session
from flask import url_for
from markupsafe import Markup
from werkzeug.wrappers import Response

from app import audit
from app import permissions
from app.auth import passwords
from app.extensions import db
from app.models import BackupCode
from app.models import User
from app.models import utcnow
from app.secret_box import SecretBox

PENDING_KEY = "pending_two_factor"
ENROL_KEY = "two_factor_enrolment"
PENDING_MAX_AGE_SECONDS = 5 * 60
BACKUP_CODE_COUNT = 10
THROTTLE_SCOPE = "totp"
_BACKUP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no look-alikes (0/o, 1/l/i)


class TwoFactorError(ValueError):
    """A two-factor change that breaks a rule (wrong code, required for this role…)."""


# --- Secret encryption -------------------------------------------------------------------------


_BOX = SecretBox(salt=b"palisade-totp-v1", info=b"users.totp_secret_encrypted")


def encrypt_secret(secret: str) -> str:
    return _BOX.encrypt(secret)


def decrypt_secret(token: str | None) -> str | None:
    return _BOX.decrypt(token)


# --- TOTP ----------------------------------------------------------------------------------------


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret)


def _normalize(code: str | None) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def provisioning_uri(user: User, secret: str) -> str:
    return _totp(secret).provisioning_uri(name=user.email, issuer_name=current_app.config["TOTP_ISSUER"])


def qr_svg(uri: str) -> Markup:
    """The otpauth URI as an inline SVG QR code, rendered on the server (no JS, no outside service)."""
    svg = segno.make(uri, error="m").svg_inline(scale=4, border=2, dark="#000", light="#fff",
                                                title="Two-factor QR code")
    return Markup(svg)  # our own generator's markup; the only input is the URI we built


def _matching_timecode(secret: str, code: str) -> int | None:
    code = _normalize(code)
    if not re.fullmatch(r"\d{6}", code):
        return None
    try:
        return _totp(secret).verify_and_get_timecode(code, valid_window=1)
    except pyotp.exceptions.OTPVerificationError:
        return None


def verify_totp(user: User, code: str) -> bool:
    """True for a current code of a time step after the last accepted one (codes work once)."""
    secret = decrypt_secret(user.totp_secret_encrypted)
    if not secret:
        return False
    timecode = _matching_timecode(secret, code)
    if timecode is None or (user.totp_last_timecode is not None and timecode <= user.totp_last_timecode):
        return False
    # One conditional UPDATE, outside the user's version: of two sign-ins racing with one code only
    # the first wins, and neither makes the account row stale.
    claimed = db.session.execute(
        sa.update(User).where(User.id == user.id, sa.or_(User.totp_last_timecode.is_(None),
                                                         User.totp_last_timecode < timecode))
        .values(totp_last_timecode=timecode).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        return False
    sa.orm.attributes.set_committed_value(user, "totp_last_timecode", timecode)
    return True


def verify_backup_code(user: User, code: str) -> bool:
    """True when `code` is one of the user's unused backup codes; that code is then spent."""
    code = _normalize(code)
    if not re.fullmatch(rf"[{_BACKUP_ALPHABET}]{{10}}", code):
        return False
    unused = db.session.scalars(sa.select(BackupCode).where(BackupCode.user_id == user.id,
                                                            BackupCode.used_at.is_(None))).all()
    for backup in unused:
        if passwords.verify_password(backup.code_hash, code):
            spent = db.session.execute(  # conditional: a code raced by two sign-ins is spent once
                sa.update(BackupCode).where(BackupCode.id == backup.id, BackupCode.used_at.is_(None))
                .values(used_at=utcnow()).execution_options(synchronize_session=False)).rowcount
            if spent != 1:
                return False
            db.session.expire(backup)
            return True
    return False


def verify_code(user: User, code: str) -> str | None:
    """'totp' or 'backup' for an accepted code, None otherwise."""
    if verify_totp(user, code):
        return "totp"
    if verify_backup_code(user, code):
        return "backup"
    return None


def _new_backup_codes(user: User) -> list[str]:
    codes = ["".join(secrets.choice(_BACKUP_ALPHABET) for _ in range(10)) for _ in range(BACKUP_CODE_COUNT)]
    user.backup_codes = [BackupCode(code_hash=passwords.hash_password(code)) for code in codes]
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def remaining_backup_codes(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count(BackupCode.id))
                             .where(BackupCode.user_id == user.id, BackupCode.used_at.is_(None))) or 0


# --- Policy ----------------------------------------------------------------------------------------


def required_for(user: User) -> bool:
    roles = {str(role) for role in current_app.config.get("TOTP_REQUIRED_ROLES", ())}
    return getattr(user, "role", None) is not None and user.role.value in roles


def must_enrol(user: User) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and required_for(user) and not user.totp_enabled


# --- Sign-in second step ---------------------------------------------------------------------------


def begin_second_factor(user: User, target: str) -> Response:
    """Password accepted: remember only who is half-way through signing in, then ask for the code."""
    session.clear()  # nothing planted before login survives (SESS-05)
    session[PENDING_KEY] = {"user_id": user.id, "at": utcnow().timestamp(), "target": target,
                            "token": user.session_token}
    return redirect(url_for("auth.two_factor"))


def pending_user() -> tuple[User | None, str]:
    """The user of a valid, unexpired pending marker (and the post-login target)."""
    marker = session.get(PENDING_KEY)
    if not isinstance(marker, dict):
        return None, ""
    started = marker.get("at")
    if not isinstance(started, int | float) or utcnow().timestamp() - started > PENDING_MAX_AGE_SECONDS:
        session.pop(PENDING_KEY, None)
        return None, ""
    user = db.session.scalar(sa.select(User).where(User.id == marker.get("user_id"),
                                                   User.session_token == marker.get("token")))
    if user is None or not user.active or not user.totp_enabled:
        return None, ""
    return user, str(marker.get("target") or "")


# --- Enrolment and changes (services: flush, never commit) -----------------------------------------


def enrolment_secret() -> str:
    """The secret being enrolled, kept encrypted in the session until the first code confirms it."""
    secret = decrypt_secret(session.get(ENROL_KEY))
    if not secret:
        secret = pyotp.random_base32()
        session[ENROL_KEY] = encrypt_secret(secret)
    return secret


def enable_two_factor(user: User, code: str) -> list[str]:
    """Confirm the enrolment secret with a code; returns the new backup codes (show them once)."""
    secret = decrypt_secret(session.get(ENROL_KEY))
    if user.totp_enabled:
        raise TwoFactorError("Two-factor sign-in is already on.")
    timecode = _matching_timecode(secret, code) if secret else None
    if timecode is None:
        raise TwoFactorError("That code is not valid. Check the time on your device and try again.")
    user.totp_secret_encrypted = encrypt_secret(secret)
    user.totp_enabled = True
    user.totp_last_timecode = timecode
    codes = _new_backup_codes(user)
    session.pop(ENROL_KEY, None)
    audit.record(user, "auth.two_factor_enabled", user)
    return codes


def disable_two_factor(user: User) -> None:
    if required_for(user):
        raise TwoFactorError("Two-factor sign-in is required for your role and cannot be turned off.")
    _clear(user)
    audit.record(user, "auth.two_factor_disabled", user)


def regenerate_backup_codes(user: User) -> list[str]:
    if not user.totp_enabled:
        raise TwoFactorError("Turn on two-factor sign-in first.")
    codes = _new_backup_codes(user)
    audit.record(user, "auth.backup_codes_regenerated", user)
    return codes


def reset_two_factor(actor: User, user: User) -> None:
    """An administrator clears a user's two-factor (lost device). Every session of the user ends."""
    permissions.authorize(permissions.can_manage_users(actor))
    _clear(user)
    user.rotate_session_token()
    audit.record(actor, "auth.two_factor_reset", user)


def _clear(user: User) -> None:
    user.totp_enabled = False
    user.totp_secret_encrypted = None
    user.totp_last_timecode = None
    user.backup_codes = []  # delete-orphan: the old hashes go
