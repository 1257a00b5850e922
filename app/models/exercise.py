"""Exercises run to HSEEP: objectives mapped to FEMA's core capabilities, participants with their roles,
the master scenario events list (injects), one evaluation per objective, and the improvement plan's
corrective actions tracked to verified closure."""
from datetime import date
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models._common import TLP
from app.models._common import LabelledEnum
from app.models._common import LifecycleMixin
from app.models._common import RecordMixin
from app.models._common import ShareableMixin
from app.models._common import TimestampMixin
from app.models._common import enum_column_type
from app.models._common import link_table
from app.models._common import today

AAR_DUE_DAYS = 90  # HSEEP: the AAR/IP is owed within 90 days of the exercise


class ExerciseType(LabelledEnum):
    SEMINAR = "seminar"
    WORKSHOP = "workshop"
    TABLETOP = "tabletop"
    GAME = "game"
    DRILL = "drill"
    FUNCTIONAL = "functional"
    FULL_SCALE = "full_scale"

    @property
    def label(self) -> str:
        return "Full-scale" if self is ExerciseType.FULL_SCALE else self.value.capitalize()


class ExerciseStatus(LabelledEnum):
    PLANNING = "planning"
    READY = "ready"
    CONDUCTED = "conducted"
    EVALUATED = "evaluated"
    CLOSED = "closed"


E = ExerciseStatus


class ParticipantRole(LabelledEnum):
    PLAYER = "player"
    CONTROLLER = "controller"
    EVALUATOR = "evaluator"
    FACILITATOR = "facilitator"
    OBSERVER = "observer"


# Who reads the MSEL before an inject is delivered (with the lead organisation's coordinators).
MSEL_ROLES = frozenset({ParticipantRole.CONTROLLER, ParticipantRole.EVALUATOR})


class Rating(LabelledEnum):
    """HSEEP performance ratings of a critical task / objective."""

    P = "P", "P — performed without challenges"
    S = "S", "S — performed with some challenges"
    M = "M", "M — performed with major challenges"
    U = "U", "U — unable to be performed"


class CapabilityElement(LabelledEnum):
    """POETE: where a corrective action changes something."""

    PLANNING = "planning"
    ORGANIZATION = "organization"
    EQUIPMENT = "equipment"
    TRAINING = "training"
    EXERCISE = "exercise"


class CorrectiveActionStatus(LabelledEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    VERIFIED = "verified"


C = CorrectiveActionStatus

# FEMA National Preparedness Goal (2nd ed.): the 32 core capabilities, by stable code.
CORE_CAPABILITIES: dict[str, str] = {
    "planning": "Planning",
    "public_information_and_warning": "Public Information and Warning",
    "operational_coordination": "Operational Coordination",
    "forensics_and_attribution": "Forensics and Attribution",
    "intelligence_and_information_sharing": "Intelligence and Information Sharing",
    "interdiction_and_disruption": "Interdiction and Disruption",
    "screening_search_and_detection": "Screening, Search, and Detection",
    "access_control_and_identity_verification": "Access Control and Identity Verification",
    "cybersecurity": "Cybersecurity",
    "physical_protective_measures": "Physical Protective Measures",
    "risk_management_for_protection": "Risk Management for Protection Programs and Activities",
    "supply_chain_integrity_and_security": "Supply Chain Integrity and Security",
    "community_resilience": "Community Resilience",
    "long_term_vulnerability_reduction": "Long-term Vulnerability Reduction",
    "risk_and_disaster_resilience_assessment": "Risk and Disaster Resilience Assessment",
    "threats_and_hazards_identification": "Threats and Hazards Identification",
    "critical_transportation": "Critical Transportation",
    "environmental_response_health_and_safety": "Environmental Response/Health and Safety",
    "fatality_management_services": "Fatality Management Services",
    "fire_management_and_suppression": "Fire Management and Suppression",
    "logistics_and_supply_chain_management": "Logistics and Supply Chain Management",
    "mass_care_services": "Mass Care Services",
    "mass_search_and_rescue_operations": "Mass Search and Rescue Operations",
    "on_scene_security_protection_and_law_enforcement": "On-scene Security, Protection, and Law Enforcement",
    "operational_communications": "Operational Communications",
    "public_health_healthcare_and_ems": "Public Health, Healthcare, and Emergency Medical Services",
    "situational_assessment": "Situational Assessment",
    "infrastructure_systems": "Infrastructure Systems",
    "economic_recovery": "Economic Recovery",
    "health_and_social_services": "Health and Social Services",
    "housing": "Housing",
    "natural_and_cultural_resources": "Natural and Cultural Resources",
}

exercise_organizations = link_table("exercise_organizations", "exercise", "exercises")
exercise_agreements = link_table("exercise_agreements", "exercise", "exercises", "agreement_id", "agreements")


class Exercise(ShareableMixin, db.Model):
    __tablename__ = "exercises"
    TRANSITIONS = ExerciseStatus.lifecycle("planning ⇄ ready → conducted → evaluated → closed")
    NOUN = "An exercise"
    DEFAULTS = {"status": ExerciseStatus.PLANNING, "tlp": TLP.AMBER}

    type: so.Mapped[ExerciseType] = so.mapped_column(enum_column_type(ExerciseType))
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    scenario: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    starts_at: so.Mapped[datetime] = so.mapped_column(index=True)
    ends_at: so.Mapped[datetime]
    status: so.Mapped[ExerciseStatus] = so.mapped_column(enum_column_type(ExerciseStatus), index=True)
    status_changed_at: so.Mapped[datetime | None]
    conducted_on: so.Mapped[date | None]  # the AAR/IP is due AAR_DUE_DAYS after it
    # The exact version of the plan exercised: each plan version is its own row, so a later revision
    # never moves this link; the label is kept as it read on the day.
    incident_plan_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("incident_plans.id"), index=True)
    plan_version_label: so.Mapped[str] = so.mapped_column(sa.String(20), default="")

    organizations: so.Mapped[list["Organization"]] = so.relationship(  # noqa: F821
        secondary=exercise_organizations, order_by="Organization.name")
    agreements: so.Mapped[list["Agreement"]] = so.relationship(  # noqa: F821
        secondary=exercise_agreements, order_by="Agreement.reference")
    incident_plan: so.Mapped["IncidentPlan | None"] = so.relationship()  # noqa: F821
    objectives: so.Mapped[list["ExerciseObjective"]] = so.relationship(
        back_populates="exercise", cascade="all, delete-orphan", order_by="ExerciseObjective.position")
    participants: so.Mapped[list["ExerciseParticipant"]] = so.relationship(
        back_populates="exercise", cascade="all, delete-orphan", order_by="ExerciseParticipant.id")
    injects: so.Mapped[list["ExerciseInject"]] = so.relationship(
        back_populates="exercise", cascade="all, delete-orphan",
        order_by="(ExerciseInject.number, ExerciseInject.id)")
    corrective_actions: so.Mapped[list["CorrectiveAction"]] = so.relationship(
        back_populates="exercise", order_by="CorrectiveAction.id")

    def participating_org_ids(self) -> set[int]:
        return {self.owner_organization_id} | {o.id for o in self.organizations}

    @classmethod
    def participation_condition(cls, org_ids: list[int]):
        """participating_org_ids() in SQL: one of `org_ids` leads the exercise or takes part in it."""
        return sa.or_(cls.owner_organization_id.in_(org_ids),
                      sa.exists().where(exercise_organizations.c.exercise_id == cls.id,
                                        exercise_organizations.c.organization_id.in_(org_ids)))

    def roles_of(self, user_id: int) -> set[ParticipantRole]:
        return {p.role for p in self.participants if p.user_id == user_id}

    @property
    def aar_due_on(self) -> date | None:
        from datetime import timedelta

        return self.conducted_on + timedelta(days=AAR_DUE_DAYS) if self.conducted_on else None

    @property
    def is_planned(self) -> bool:
        return self.status in {E.PLANNING, E.READY}

    @classmethod
    def aar_owed_condition(cls):
        """Conducted, not archived, its AAR/IP not approved yet: the report is owed (due `aar_due_on`)."""
        from app.models.review import ReviewOutcome
        from app.models.review import ReviewRequest

        approved = sa.exists().where(ReviewRequest.object_type == cls.__tablename__, ReviewRequest.object_id == cls.id,
                                     ReviewRequest.outcome == ReviewOutcome.APPROVED)
        return sa.and_(cls.status.in_([E.CONDUCTED, E.EVALUATED]), cls.archived_at.is_(None),
                       cls.conducted_on.is_not(None), ~approved)


class ExerciseObjective(db.Model):
    __tablename__ = "exercise_objectives"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    exercise_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("exercises.id", ondelete="CASCADE"), index=True)
    text: so.Mapped[str] = so.mapped_column(sa.Text)
    core_capability: so.Mapped[str] = so.mapped_column(sa.String(60))
    position: so.Mapped[int] = so.mapped_column(default=0)

    exercise: so.Mapped[Exercise] = so.relationship(back_populates="objectives")
    evaluations: so.Mapped[list["ExerciseEvaluation"]] = so.relationship(
        back_populates="objective", cascade="all, delete-orphan", order_by="ExerciseEvaluation.id")

    @property
    def capability_label(self) -> str:
        return CORE_CAPABILITIES.get(self.core_capability, self.core_capability)


class ExerciseParticipant(db.Model):
    __tablename__ = "exercise_participants"
    __table_args__ = (sa.UniqueConstraint("exercise_id", "user_id", "role", name="exercise_participant_role"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    exercise_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("exercises.id", ondelete="CASCADE"), index=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    role: so.Mapped[ParticipantRole] = so.mapped_column(enum_column_type(ParticipantRole))

    exercise: so.Mapped[Exercise] = so.relationship(back_populates="participants")
    user: so.Mapped["User"] = so.relationship()  # noqa: F821


class ExerciseInject(db.Model):
    """One event of the master scenario events list. Controller material until delivered."""

    __tablename__ = "exercise_injects"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    exercise_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("exercises.id", ondelete="CASCADE"), index=True)
    number: so.Mapped[int]
    offset_minutes: so.Mapped[int] = so.mapped_column(default=0)
    from_: so.Mapped[str] = so.mapped_column("from", sa.String(200), default="")
    to: so.Mapped[str] = so.mapped_column(sa.String(200), default="")
    # The participating organisation whose players receive the inject (none: every player).
    to_organization_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("organizations.id"))
    message: so.Mapped[str] = so.mapped_column(sa.Text)
    expected_action: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    delivered_at: so.Mapped[datetime | None]
    delivered_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))

    exercise: so.Mapped[Exercise] = so.relationship(back_populates="injects")
    to_organization: so.Mapped["Organization | None"] = so.relationship()  # noqa: F821

    @property
    def is_delivered(self) -> bool:
        return self.delivered_at is not None


class ExerciseEvaluation(TimestampMixin, db.Model):
    """The exercise evaluation guide of one objective, filled in by an evaluator."""

    __tablename__ = "exercise_evaluations"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    objective_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("exercise_objectives.id", ondelete="CASCADE"), index=True)
    evaluator_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    critical_tasks: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    strengths: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    areas_for_improvement: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    rating: so.Mapped[Rating] = so.mapped_column(enum_column_type(Rating, length=1))

    objective: so.Mapped[ExerciseObjective] = so.relationship(back_populates="evaluations")
    evaluator: so.Mapped["User"] = so.relationship()  # noqa: F821


class CorrectiveAction(LifecycleMixin, RecordMixin, db.Model):
    """An improvement-plan item from an area for improvement. Takes the visibility of its exercise."""

    __tablename__ = "corrective_actions"
    # Back from completed to work when verification finds a gap.
    TRANSITIONS = CorrectiveActionStatus.lifecycle("open ⇄ in_progress ⇄ completed → verified", "open → completed")
    NOUN = "A corrective action"
    DEFAULTS = {"status": CorrectiveActionStatus.OPEN}

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    exercise_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("exercises.id"), index=True)
    objective_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("exercise_objectives.id"))
    area_for_improvement: so.Mapped[str] = so.mapped_column(sa.Text)
    title: so.Mapped[str] = so.mapped_column(sa.String(200))
    capability_element: so.Mapped[CapabilityElement] = so.mapped_column(enum_column_type(CapabilityElement))
    responsible_organization_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("organizations.id"), index=True)
    point_of_contact_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    start_date: so.Mapped[date | None]
    due_date: so.Mapped[date | None] = so.mapped_column(index=True)
    status: so.Mapped[CorrectiveActionStatus] = so.mapped_column(
        enum_column_type(CorrectiveActionStatus), index=True)
    status_changed_at: so.Mapped[datetime | None]
    evidence_attachment_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("attachments.id"))
    completed_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    completed_at: so.Mapped[datetime | None]
    verified_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    verified_at: so.Mapped[datetime | None]
    # Carried out as one of these (its page links back here).
    task_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("tasks.id"), index=True)
    mitigation_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("mitigations.id"), index=True)
    incident_plan_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("incident_plans.id"), index=True)
    agreement_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("agreements.id"), index=True)

    exercise: so.Mapped[Exercise] = so.relationship(back_populates="corrective_actions")
    objective: so.Mapped[ExerciseObjective | None] = so.relationship()
    responsible_organization: so.Mapped["Organization"] = so.relationship()  # noqa: F821
    point_of_contact: so.Mapped["User | None"] = so.relationship(foreign_keys=[point_of_contact_id])  # noqa: F821
    completed_by: so.Mapped["User | None"] = so.relationship(foreign_keys=[completed_by_id])  # noqa: F821
    verified_by: so.Mapped["User | None"] = so.relationship(foreign_keys=[verified_by_id])  # noqa: F821

    @property
    def is_done(self) -> bool:
        return self.status in {C.COMPLETED, C.VERIFIED}

    @property
    def assigned_organization_id(self) -> int:
        """Reminders without a point of contact go to this organisation's coordinators."""
        return self.responsible_organization_id

    @classmethod
    def open_condition(cls):
        """Work still to do: open or in progress, not archived (its due date counts)."""
        return sa.and_(cls.status.in_([C.OPEN, C.IN_PROGRESS]), cls.archived_at.is_(None))

    @property
    def is_overdue(self) -> bool:
        return not self.is_done and self.due_date is not None and self.due_date < today()
