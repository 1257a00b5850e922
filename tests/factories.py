"""Tiny model factories: sensible defaults, override anything by keyword. Call inside an app context."""
from itertools import count

from app.auth.passwords import hash_password
from app.extensions import db
from app.models import Organization
from app.models import OrganizationKind
from app.models import Role
from app.models import User

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


def _owner_defaults(kw: dict) -> None:
    """Owner organisation and creator: from `created_by` when given, else fresh ones."""
    creator = kw.get("created_by")
    if "owner_organization" not in kw and "owner_organization_id" not in kw:
        kw["owner_organization"] = creator.organization if creator else organization()
    if creator is None:
        kw["created_by"] = user(role=Role.COORDINATOR, organization=kw["owner_organization"])


def agreement(*, parties=(), **kw):
    """parties: organisations (or (organisation, PartyRole) pairs) added as agreement parties."""
    from app.models import Agreement
    from app.models import AgreementKind
    from app.models import AgreementParty
    from app.models import PartyRole

    n = next(_seq)
    _owner_defaults(kw)
    kw.setdefault("reference", f"AGR-2026-{n:04d}")
    kw.setdefault("title", f"Agreement {n}")
    kw.setdefault("kind", AgreementKind.MOU)
    obj = Agreement(**kw)
    for index, party in enumerate(parties):
        org, role = party if isinstance(party, tuple) else (party, PartyRole.PARTNER)
        obj.parties.append(AgreementParty(organization=org, party_role=role, position=index))
    return _save(obj)


def initiative(*, participants=(), **kw):
    from app.models import Initiative

    n = next(_seq)
    _owner_defaults(kw)
    kw.setdefault("reference", f"INI-2026-{n:04d}")
    kw.setdefault("title", f"Initiative {n}")
    if "lead_organization" not in kw and "lead_organization_id" not in kw:
        kw["lead_organization"] = kw.get("owner_organization")
    obj = Initiative(**kw)
    obj.participants = list(participants)
    return _save(obj)


def working_group(*, members=(), **kw):
    """members: users (or (user, MemberRole) pairs)."""
    from app.models import MemberRole
    from app.models import WorkingGroup
    from app.models import WorkingGroupMember

    n = next(_seq)
    _owner_defaults(kw)
    kw.setdefault("reference", f"WG-2026-{n:04d}")
    kw.setdefault("name", f"Working group {n}")
    obj = WorkingGroup(**kw)
    for member in members:
        member_user, role = member if isinstance(member, tuple) else (member, MemberRole.MEMBER)
        obj.memberships.append(WorkingGroupMember(user=member_user, role=role))
    return _save(obj)


def task(**kw):
    from app.models import Task

    n = next(_seq)
    if "working_group" not in kw and "working_group_id" not in kw:
        kw["working_group"] = working_group()
    kw.setdefault("title", f"Task {n}")
    return _save(Task(**kw))


def risk(**kw):
    from app.models import Risk

    n = next(_seq)
    _owner_defaults(kw)
    kw.setdefault("reference", f"RSK-2026-{n:04d}")
    kw.setdefault("title", f"Risk {n}")
    kw.setdefault("likelihood", 3)
    kw.setdefault("impact", 3)
    return _save(Risk(**kw))


def mitigation(**kw):
    from app.models import Mitigation

    n = next(_seq)
    if "risk" not in kw and "risk_id" not in kw:
        kw["risk"] = risk()
    if "assigned_organization" not in kw and "assigned_organization_id" not in kw:
        kw["assigned_organization"] = kw["risk"].owner_organization
    kw.setdefault("title", f"Mitigation {n}")
    return _save(Mitigation(**kw))


def incident_plan(*, covered=(), **kw):
    from app.models import IncidentPlan

    n = next(_seq)
    _owner_defaults(kw)
    kw.setdefault("reference", f"IRP-2026-{n:04d}")
    kw.setdefault("title", f"Incident-response plan {n}")
    obj = IncidentPlan(**kw)
    obj.covered_organizations = list(covered)
    return _save(obj)


def incident_report(*, authority=None, aware_at=None, **kw):
    """A report with its two first stages on their clocks (as app.incidents.services makes them)."""
    from app.incidents import clocks
    from app.models import IncidentReport
    from app.models import IncidentReportStage
    from app.models import Sector
    from app.models import StageKind
    from app.models import utcnow

    n = next(_seq)
    _owner_defaults(kw)
    if authority is None and "authority_organization_id" not in kw:
        authority = organization(is_authority=True)
    if authority is not None:
        kw["authority_organization"] = authority
    aware_at = aware_at or utcnow()
    kw.setdefault("reference", f"INC-2026-{n:04d}")
    kw.setdefault("title", f"Incident {n}")
    kw.setdefault("sectors", [Sector.ENERGY])
    obj = IncidentReport(aware_at=aware_at, **kw)
    obj.stages = [IncidentReportStage(kind=StageKind.EARLY_WARNING, due_at=clocks.early_warning_due(aware_at)),
                  IncidentReportStage(kind=StageKind.NOTIFICATION, due_at=clocks.notification_due(aware_at))]
    return _save(obj)


def advisory(*, authors=(), recipients=(), status=None, public_title="", **kw):
    """An advisory written by its creator's organisation (and `authors`), sent to `recipients`. A released one
    is marked released and approved by every author (no PDF: tests that need the editions release it)."""
    from app.models import Advisory
    from app.models import AdvisoryAuthor
    from app.models import AdvisoryRecipient
    from app.models import AdvisoryStatus
    from app.models import utcnow

    n = next(_seq)
    _owner_defaults(kw)
    kw.setdefault("reference", f"ADV-2026-{n:04d}")
    kw.setdefault("title", f"Advisory {n}")
    kw.setdefault("summary", f"Summary of advisory {n}")
    obj = Advisory(public_title=public_title, **kw)
    owner_id = obj.owner_organization_id or obj.owner_organization.id
    org_ids = [owner_id] + [o.id for o in authors if o.id != owner_id]
    released = status is not None and AdvisoryStatus(status).is_released
    obj.authors = [AdvisoryAuthor(organization_id=i, approved_at=utcnow() if released else None) for i in org_ids]
    obj.distribution = [AdvisoryRecipient(organization_id=o.id) for o in recipients]
    if status is not None:
        obj.status = AdvisoryStatus(status)
        if released:
            obj.released_at = utcnow()
    return _save(obj)
def exercise(*, organizations=(), participants=(), **kw):
    """An exercise; participants: (user, ParticipantRole) pairs."""
    from datetime import timedelta

    from app.models import Exercise
    from app.models import ExerciseParticipant
    from app.models import ExerciseType
    from app.models import utcnow

    n = next(_seq)
    _owner_defaults(kw)
    kw.setdefault("reference", f"EX-2026-{n:04d}")
    kw.setdefault("title", f"Exercise {n}")
    kw.setdefault("type", ExerciseType.TABLETOP)
    kw.setdefault("starts_at", utcnow() + timedelta(days=30))
    kw.setdefault("ends_at", kw["starts_at"] + timedelta(hours=4))
    obj = Exercise(**kw)
    obj.organizations = list(organizations)
    obj.participants = [ExerciseParticipant(user=u, role=role) for u, role in participants]
    return _save(obj)


def corrective_action(*, exercise, **kw):
    from app.models import CapabilityElement
    from app.models import CorrectiveAction

    kw.setdefault("title", f"Corrective action {next(_seq)}")
    kw.setdefault("area_for_improvement", "A gap seen in the exercise")
    kw.setdefault("capability_element", CapabilityElement.PLANNING)
    kw.setdefault("responsible_organization_id", exercise.owner_organization_id)
    return _save(CorrectiveAction(exercise_id=exercise.id, created_by_id=exercise.created_by_id, **kw))
