"""Tiny model factories: sensible defaults, override anything by keyword. Call inside an app context."""
from itertools import count

from app.auth.passwords import hash_password
from app.extensions import db
from app.models import Organization, OrganizationKind, Role, User

_seq = count(1)
PASSWORD = "correct horse battery staple"
_PASSWORD_HASH = None


def _password_hash(password: str) -> str:
    global _PASSWORD_HASH
    if password != PASSWORD:
        return hash_password(password)
    if _PASSWORD_HASH is None:
        _PASSWORD_HASH = hash_password(PASSWORD)
    return _PASSWORD_HASH


def organization(**kw) -> Organization:
    n = next(_seq)
    kw.setdefault("name", f"Organisation {n}")
    kw.setdefault("short_name", f"ORG{n}")
    kw.setdefault("kind", OrganizationKind.PRIVATE_SECTOR)
    kw.setdefault("country", "US")
    return _save(Organization(**kw))


def user(*, password: str = PASSWORD, **kw) -> User:
    n = next(_seq)
    kw.setdefault("email", f"user{n}@example.org")
    kw.setdefault("name", f"User {n}")
    kw.setdefault("role", Role.MEMBER)
    if "organization" not in kw and "organization_id" not in kw:
        kw["organization"] = organization()
    return _save(User(password_hash=_password_hash(password), **kw))


def _save(obj):
    db.session.add(obj)
    db.session.commit()
    return obj
