"""The record kinds: one typed registry that every cross-cutting feature reads.

Each kind of record the partnership works on (an agreement, a task, a risk…) has exactly one
`RecordKind` entry in `KINDS` below. Permissions (TLP scope and participation), comments,
attachments, notifications and their mails, reminders and the calendar, the inbox, history,
documents, the organisation page and the executive report all take their list of kinds, their
labels and their links from here, so a kind is never "forgotten" by one of them;
tests/test_kinds_registry.py walks the registry and fails when a feature does not cover a kind.

One key spelling: `key` ("incident_plan") names the kind in code, audit actions
("incident_plan.archived") and endpoint names ("comments.incident_plan"). What is stored or shown
elsewhere is derived from it, never typed again:
  * `table`  ("incident_plans"): the model's table, the `object_type` stored with audit events,
             attachments, comments, reviews, documents and notifications;
  * `slug`   ("incident-plans"): the URL segment (/attachments/incident-plans/3/…);
  * `noun`   ("Incident plan"): the capitalised label for mails and lists.

How to add a kind (e.g. `incident_report`): these four places and its templates (templates/<package>/), nothing else.
  1. The model, in a new module app/models/<kind>.py (app/models re-exports what its modules define), with
     `RecordMixin` (created_by, version, archived_at; starting values in a `DEFAULTS` mapping) and, for a record
     shared under its own TLP label (a *shareable* kind), `ShareableMixin` instead: id, reference, `tlp`, the
     owning organisation and its `recipients` (its TLP:RED readers, table `<key>_recipients`); the model adds
     `participating_org_ids()` and the classmethod `participation_condition(org_ids)` (the
     same rule in SQL: the organisations taking part in the record). A kind without a label of
     its own names its `parent` (the relationship to the shareable record whose label and
     participation it takes, as a task takes its working group's).
  2. Its migration.
  3. Its blueprint package, app/<package>/ (routes, forms, services, queries; its `bp` named after the
     package, registered by the factory because `endpoint` names it), with a detail page at `endpoint` that
     includes the panels of the features it opts into
     (templates/comments/_panel.html, templates/attachments/_panel.html).
     A kind read in editions (an advisory) also has `read_condition(tlp_condition, organization_id)` and
     `restricted_condition(...)`: who reads an edition, and who the restricted one (its other documents).
  4. ONE entry in `KINDS` below (and the import of its model). Its audit actions' key is `kind.key`
     (`KIND = kinds.by_model(Model).key` in its services). Scopes, comments, attachments, notifications, history,
     documents and the organisation page then cover it; the registry test tells what is missing.
     The inbox's shared sections (inbox_sections=_INBOX) read the model: a `reviewed` kind gives
     `awaiting_review_condition(user_id)` (the rounds its reader may approve); a kind with an `assignee` gives
     `NOT_STARTED` (its status member for "newly assigned") and `open_condition()`; `inbox_action` says on
     screen what the user does there. A kind with sections of its own names their module instead.
Nothing else reads a list of kinds: add no tuple of models anywhere else.

This module sits just above app/models: it imports models only (never a blueprint, never
app.permissions), so every layer, permissions included, may read it.
"""
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.models import Advisory
from app.models import Agreement
from app.models import CorrectiveAction
from app.models import Exercise
from app.models import IncidentPlan
from app.models import IncidentReport
from app.models import Initiative
from app.models import Mitigation
from app.models import ReviewRequest
from app.models import Risk
from app.models import Task
from app.models import WorkingGroup


@dataclass(frozen=True)
class Deadline:
    """A dated field of a kind that the reminders, the calendar (and, for assigned work, the inbox)
    announce while the record is open (`Model.open_condition()`)."""

    field: str             # a date column or hybrid expression of the model: "due_date", "notice_date"
    label: str             # the calendar entry: "due", "review", "expiry", "notice deadline"
    reminder: str          # the reminder's name, as stored in sent_reminders: "task_due"
    thresholds: tuple      # when to remind: days before (ints), "today", "overdue"
    verb: str              # "is due", "expires": "Task WG-003 task #12 is due in 3 days"


@dataclass(frozen=True)
class RecordKind:
    key: str                    # "incident_plan": the one spelling (see the module docstring)
    model: type
    label: str                  # on screen, lower case: "incident plan"
    endpoint: str               # the record's page: "incident_plans.detail"
    id_arg: str                 # that page's URL parameter: "plan_id"
    parent: str | None = None   # a kind shared under another record's label: relationship to it ("risk")
    assignee: str | None = None  # column of the person working on it (a task's assignee_id)
    comments: bool = False      # takes comments (templates/comments/_panel.html on its page)
    attachments: bool = True    # takes files (templates/attachments/_panel.html on its page)
    reviewed: bool = False      # goes through review rounds (app/reviews): `record.review_rounds`, newest first
    # A shareable kind the executive report covers (a section of app/documents/executive.py; its labels
    # set the editions a reader may produce). False only for a kind the report leaves out on purpose.
    reported: bool = True
    # Its title may be named outside its page where the TLP allows (mail, notifications, calendar);
    # False: only its reference is (an incident report's title may name the victim).
    title_travels: bool = True
    # Its deadlines, reminded to its assignee (else to the coordinators of the organisation it is
    # assigned to) or, for a shareable kind, to the coordinators of its owner organisation; listed in
    # the same people's calendars.
    deadlines: tuple[Deadline, ...] = ()
    # How the record's page is reached when the kind has none of its own (a mitigation: its risk's
    # page, at its anchor): record -> url_for values. None: {id_arg: record.id}.
    locate: Callable[[Any], dict] | None = field(default=None, compare=False)
    # Where the kind's own package plugs into the pages every kind shares, each "module:attribute" (imported
    # when first used: this module imports no feature). `kind.part(name)` gives it; None: the kind has none.
    calendar_entries: str | None = None   # user -> [(record, what, day)]: entries besides its deadlines (hours)
    dashboard_panel: str | None = None    # user -> its panel's context ({} for no panel), shown with
    #                                        templates/<blueprint>/_dashboard.html
    clock_reminders: tuple[str, str] | None = None  # (what they remind of, () -> how many sent): reminders on
    #                                        clocks of hours, run by `flask reminders run` too
    dated_reminders: tuple[str, str] | None = None  # (what they remind of, (day or None) -> how many sent):
    #                                        reminders on a date that the kind keeps with rules of its own (an
    #                                        advisory's acknowledgement deadline, per recipient organisation),
    #                                        run by `flask reminders run [--today]` too
    inbox_sections: str | None = None     # the module registering its inbox sections (@provider); the shared
    #                                        ones (_INBOX: reviews to give, assigned work, reviews due) list it by
    #                                        what it is: `reviewed`, an `assignee`, a `next_review_date`
    inbox_action: str | None = None       # there, what the user does: "Task: start it or post an update"
    executive_section: str | None = None  # its section of the executive report (a reported kind the report's
    #                                        own sections do not cover: app/documents/executive.py, CORE_KINDS)

    def part(self, name: str):
        """The declared plug-in `name` ("dashboard_panel"…), imported; None when the kind declares none."""
        target = getattr(self, name)
        if isinstance(target, tuple):
            target = target[1]
        if target is None:
            return None
        module, _, attribute = target.partition(":")
        loaded = importlib.import_module(module)
        return getattr(loaded, attribute) if attribute else loaded

    @property
    def blueprint(self) -> str:
        """The blueprint of the kind's page ("incidents"): its templates folder, its history page."""
        return self.endpoint.rsplit(".", 1)[0]

    @property
    def dates(self) -> tuple[str, ...]:
        return tuple(deadline.field for deadline in self.deadlines)

    @property
    def table(self) -> str:
        """The stored `object_type` of the kind's audit events, comments, attachments, notifications…"""
        return self.model.__tablename__

    @property
    def slug(self) -> str:
        return self.table.replace("_", "-")

    @property
    def noun(self) -> str:
        return self.label[:1].upper() + self.label[1:]

    @property
    def shareable(self) -> bool:
        """Shared under its own TLP label (else under its parent's)."""
        return self.parent is None

    @property
    def parent_kind(self) -> "RecordKind | None":
        if self.parent is None:
            return None
        return by_model(getattr(self.model, self.parent).property.mapper.class_)

    @property
    def parent_key(self) -> sa.ColumnElement | None:
        """The column pointing at the parent record (Task.working_group_id)."""
        return None if self.parent is None else getattr(self.model, f"{self.parent}_id")

    def parent_of(self, record):
        """The shareable record whose label and participation count for `record` (itself if shareable)."""
        return record if self.parent is None else getattr(record, self.parent)

    @property
    def recipients(self) -> sa.Table | None:
        """The TLP:RED readers' table (`<key>_recipients`) of a shareable kind."""
        if not self.shareable:
            return None
        return self.model.recipients.property.secondary

    @property
    def recipient_key(self) -> sa.Column:
        """The column of `recipients` pointing at the record."""
        return self.recipients.c[f"{self.key}_id"]

    def url_values(self, record) -> dict:
        """url_for(kind.endpoint, **kind.url_values(record)): the record's page."""
        if self.locate is not None:
            return self.locate(record)
        return {self.id_arg: record.id}

    def reference(self, record) -> str:
        """A short reference, safe at every TLP: AGR-2026-004, or "WG-003 task #12" for a kind without one."""
        own = getattr(record, "reference", None)
        if own:
            return own
        return f"{self.parent_kind.reference(self.parent_of(record))} {self.label} #{record.id}"

    def title(self, record) -> str:
        """What notifications, mails and the calendar call the record (where its TLP allows a title)."""
        if not self.title_travels:
            return self.reference(record)
        return getattr(record, "title", None) or getattr(record, "name", "")


_INBOX = "app.inbox.shared"  # the sections every kind shares: reviews, assigned work, reviews due

KINDS: tuple[RecordKind, ...] = (
    RecordKind("agreement", Agreement, "agreement", "agreements.detail", "agreement_id", comments=True,
               reviewed=True, inbox_sections=_INBOX,
               deadlines=(Deadline("expiry_date", "expiry", "agreement_expiry", (90, 60, 30, 7), "expires"),
                          Deadline("notice_date", "notice deadline", "agreement_notice", (30, 7, "today"),
                                   "reaches its notice deadline"))),
    RecordKind("initiative", Initiative, "initiative", "initiatives.detail", "initiative_id", comments=True),
    RecordKind("working_group", WorkingGroup, "working group", "working_groups.detail", "working_group_id"),
    RecordKind("task", Task, "task", "tasks.detail", "task_id", parent="working_group", assignee="assignee_id",
               comments=True, inbox_sections=_INBOX, inbox_action="Task: start it or post an update",
               deadlines=(Deadline("due_date", "due", "task_due", (3, "today", "overdue"), "is due"),)),
    RecordKind("risk", Risk, "risk", "risks.detail", "risk_id", comments=True, inbox_sections=_INBOX,
               inbox_action="Risk: review it and set the next review date",
               deadlines=(Deadline("next_review_date", "review", "risk_review", (7, "overdue"), "is due for review"),)),
    RecordKind("mitigation", Mitigation, "mitigation", "risks.detail", "risk_id", parent="risk",
               assignee="assigned_user_id", inbox_sections=_INBOX, inbox_action="Mitigation: update its status",
               deadlines=(Deadline("due_date", "due", "mitigation_due", (3, "today", "overdue"), "is due"),),
               locate=lambda m: {"risk_id": m.risk_id, "_anchor": f"mitigation-{m.id}"}),
    RecordKind("incident_plan", IncidentPlan, "incident plan", "incident_plans.detail", "plan_id", comments=True,
               reviewed=True, inbox_sections=_INBOX, inbox_action="Plan: revise it and have the new version approved",
               deadlines=(Deadline("next_review_date", "review", "plan_review", (30, "overdue"), "is due for review"),)),
    # Its stage clocks are hours, not dates: app/incidents keeps them (reminders, calendar, inbox). Files:
    # evidence and indicators from the coordinators of the operator and of the authority.
    RecordKind("incident_report", IncidentReport, "incident report", "incidents.detail", "incident_id",
               comments=True, title_travels=False, calendar_entries="app.incidents.picture:calendar_entries",
               dashboard_panel="app.incidents.picture:dashboard_for", inbox_sections="app.incidents.inbox",
               executive_section="app.incidents.executive:SECTION",
               clock_reminders=("incident stage", "app.incidents.reminders:run")),
    # Read in editions (Advisory.read_condition: drafts by the authors, a public edition by everyone); its files
    # (taken while it is a draft: a released advisory never changes) and its comments belong to the restricted
    # text, so only the readers of that edition read them (permissions.readable_in_full); its acknowledgement reminders go to the
    # recipients' coordinators (app/advisories/reminders.py). Only its reference travels: a public-edition reader
    # never learns the restricted title from a notification.
    RecordKind("advisory", Advisory, "advisory", "advisories.detail", "advisory_id",
               comments=True, title_travels=False, inbox_sections="app.advisories.inbox",
               calendar_entries="app.advisories.inbox:calendar_entries",
               dated_reminders=("advisory acknowledgement", "app.advisories.reminders:run"),
               executive_section="app.documents.executive_advisories:SECTION"),
    # The AAR/IP's 90-day clock is reminded by app/exercises (it ends when the report is approved, not on a date)
    # and is in the lead coordinators' calendars.
    # Files on an exercise reach every reader of it, players included: controller material is the MSEL's.
    RecordKind("exercise", Exercise, "exercise", "exercises.detail", "exercise_id", comments=True,
               inbox_sections="app.exercises.inbox", executive_section="app.exercises.executive:SECTION",
               calendar_entries="app.exercises.programme:calendar_entries"),
    # Its files are the evidence of completion, from the people who carry it out.
    RecordKind("corrective_action", CorrectiveAction, "corrective action", "corrective_actions.detail",
               "corrective_action_id", parent="exercise", assignee="point_of_contact_id", comments=True,
               inbox_sections="app.exercises.inbox",
               deadlines=(Deadline("due_date", "due", "corrective_action_due", (3, "today", "overdue"), "is due"),)),
)

# Each reviewed kind's rounds, newest first: `record.review_rounds` (read-only, as a round points at its record by
# (object_type, object_id)). permissions.review_submitter_id reads the open one.
for _reviewed in KINDS:
    if _reviewed.reviewed:
        sa.inspect(_reviewed.model).add_property("review_rounds", so.relationship(
            ReviewRequest, viewonly=True, order_by=ReviewRequest.id.desc(),
            primaryjoin=sa.and_(so.foreign(ReviewRequest.object_id) == _reviewed.model.id,
                                ReviewRequest.object_type == _reviewed.table)))

BY_KEY: dict[str, RecordKind] = {kind.key: kind for kind in KINDS}
BY_TABLE: dict[str, RecordKind] = {kind.table: kind for kind in KINDS}
BY_SLUG: dict[str, RecordKind] = {kind.slug: kind for kind in KINDS}
_BY_MODEL: dict[type, RecordKind] = {kind.model: kind for kind in KINDS}


def by_model(model: type) -> RecordKind:
    try:
        return _BY_MODEL[model]
    except KeyError:
        raise LookupError(f"{model.__name__} is not a record kind; add it to app/kinds.py") from None


def kind_of(record) -> RecordKind:
    """The kind of a record (LookupError for anything else: a user, a milestone…)."""
    return by_model(type(record))


def find(record) -> RecordKind | None:
    """The kind of a record, or None when it is not one."""
    return _BY_MODEL.get(type(record))


def shareable() -> tuple[RecordKind, ...]:
    """The kinds shared under a TLP label of their own (owner organisation, RED recipients)."""
    return tuple(kind for kind in KINDS if kind.shareable)


def children_of(kind: RecordKind) -> tuple[RecordKind, ...]:
    """The kinds shared under `kind`'s label (a risk's mitigations)."""
    return tuple(child for child in KINDS if child.parent_kind is kind)


def with_comments() -> tuple[RecordKind, ...]:
    return tuple(kind for kind in KINDS if kind.comments)


def with_attachments() -> tuple[RecordKind, ...]:
    return tuple(kind for kind in KINDS if kind.attachments)

