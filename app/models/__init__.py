"""Every model and enum, re-exported so `from app.models import X` works and Alembic sees all tables."""
from app.models._common import (
    SECTOR_LABELS,
    TLP,
    InvalidTransition,
    Sector,
    StaleEdit,
    due_by,
    sector_filter,
    today,
    utcnow,
)
from app.models.account_token import AccountToken, TokenPurpose
from app.models.advisory import (
    PUBLISHED,
    AcknowledgementStatus,
    ActionKind,
    Advisory,
    AdvisoryAcknowledgement,
    AdvisoryAction,
    AdvisoryAuthor,
    AdvisoryKind,
    AdvisoryRead,
    AdvisoryRecipient,
    AdvisoryStatus,
    Severity,
    SharingFeed,
    advisory_agreements,
    advisory_incident_reports,
    advisory_readers,
    advisory_risks,
)
from app.models.agreement import (
    SIGNING_STEPS,
    Agreement,
    AgreementKind,
    AgreementParty,
    AgreementStatus,
    PartyRole,
    agreement_recipients,
)
from app.models.api_token import ApiToken, TokenScope
from app.models.attachment import Attachment
from app.models.audit import AuditEvent
from app.models.document import Document
from app.models.exercise import (
    AAR_DUE_DAYS,
    CORE_CAPABILITIES,
    MSEL_ROLES,
    CapabilityElement,
    CorrectiveAction,
    CorrectiveActionStatus,
    Exercise,
    ExerciseEvaluation,
    ExerciseInject,
    ExerciseObjective,
    ExerciseParticipant,
    ExerciseStatus,
    ExerciseType,
    ParticipantRole,
    Rating,
    exercise_agreements,
    exercise_organizations,
    exercise_recipients,
)
from app.models.incident_plan import (
    IncidentPlan,
    Phase,
    PlanContact,
    PlanSection,
    PlanStatus,
    incident_plan_organizations,
    incident_plan_recipients,
)
from app.models.incident_report import (
    GeographicSpread,
    IncidentReport,
    IncidentReportStage,
    IncidentStatus,
    Significance,
    StageKind,
    SuspectedCause,
    incident_report_recipients,
)
from app.models.initiative import (
    Health,
    Initiative,
    InitiativeStatus,
    Milestone,
    initiative_participants,
    initiative_recipients,
)
from app.models.notification import (
    CalendarFeed,
    EmailChannel,
    Notification,
    NotificationKind,
    NotificationPreference,
    OutboxEmail,
    OutboxStatus,
    SentReminder,
)
from app.models.organization import Organization, OrganizationKind
from app.models.peer import Peer, PeerImport
from app.models.reference_counter import ReferenceCounter
from app.models.render import ContentGeneration, KnownDocument, RenderedDocument, RenderJob, RenderStatus
from app.models.report import ReportSnapshot
from app.models.review import (
    COMMENT_MAX_CHARS,
    Comment,
    ContentVersion,
    ReviewOutcome,
    ReviewRequest,
    review_request_reviewers,
)
from app.models.risk import (
    Mitigation,
    MitigationStatus,
    Risk,
    RiskLevel,
    RiskStatus,
    Treatment,
    level_for_score,
    risk_recipients,
)
from app.models.signature import SignatureMethod, SignatureRequest, SignatureStatus, SigningMode
from app.models.user import BackupCode, Role, User, normalize_email
from app.models.webhook import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from app.models.working_group import (
    MemberRole,
    Task,
    TaskPriority,
    TaskStatus,
    TaskUpdate,
    WorkingGroup,
    WorkingGroupMember,
    WorkingGroupStatus,
    working_group_recipients,
)

__all__ = [name for name in dir() if not name.startswith("_")]
