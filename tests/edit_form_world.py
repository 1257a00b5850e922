"""One record of every kind that has an edit form, seeded with the stored values pickers tend to lose.

tests/test_forms_browser.py opens each edit form of these records in Chromium and saves it. The
records hold what an untouched save must keep although the editor could not choose it today: an
archived organisation (party, participant, covered organisation, parent, a user's organisation), a
deactivated person (assignee, mitigation owner, TLP:RED recipient), an archived initiative, and an
initiative the editor may not read; and multi-line Markdown with accents, as people type it.
"""
from datetime import timedelta

from app.extensions import db
from app.models import TLP
from app.models import AgreementStatus
from app.models import ExerciseStatus
from app.models import Health
from app.models import MemberRole
from app.models import Milestone
from app.models import Phase
from app.models import PlanContact
from app.models import PlanSection
from app.models import PlanStatus
from app.models import Role
from app.models import Sector
from app.models import TaskStatus
from app.models import WebhookEndpoint
from app.models import today
from app.models import utcnow
from app.webhooks.delivery import SECRETS
from tests import factories

# Markdown as typed: LF line breaks, a list, accents, a hard line break (two trailing blanks), a quote.
TEXT = ("Objectif : sécuriser les stations de pompage.\n\n- relevé des automates  \n- mise à jour du "
        "micrologiciel\n\n> Réf. ICSA-26-123-01 « urgent »\n\nDone when the partners sign off.")

# The people the sweep signs in as: every role that may edit something. The sweep finds, per form,
# which of them the app lets edit it (the page answers 200 with the form).
EDITORS = ("admin", "coord_gov", "coord_water", "member_water", "exec_gov")


def seed(app) -> dict:
    """Seeds the world; returns {"users": {key: email}, "ids": {name: id}}."""
    with app.app_context():
        gov = factories.organization(name="National Resilience Office", short_name="NRO")
        water = factories.organization(name="Riverbend Water Authority", short_name="RWA", sectors=[Sector.WATER])
        old = factories.organization(name="Former Partner Ltd", short_name="FPL", archived_at=utcnow())
        child = factories.organization(name="Former Partner Field Office", short_name="FPFO", parent=old)
        users = {
            "admin": factories.user(role=Role.ADMIN, organization=gov, name="Ada Admin", email="admin@nro.example"),
            "coord_gov": factories.user(role=Role.COORDINATOR, organization=gov, name="Casey Coordinator",
                                        email="casey@nro.example", title="Programme lead"),
            "coord_water": factories.user(role=Role.COORDINATOR, organization=water, name="Wen Water",
                                          email="wen@rwa.example"),
            "member_water": factories.user(role=Role.MEMBER, organization=water, name="Morgan Member",
                                           email="morgan@rwa.example"),
            "exec_gov": factories.user(role=Role.EXECUTIVE, organization=gov, name="Eve Executive",
                                       email="eve@nro.example"),
        }
        gone = factories.user(role=Role.MEMBER, organization=water, name="Dana Departed", email="dana@rwa.example",
                              active=False)
        old_user = factories.user(role=Role.COORDINATOR, organization=old, name="Otto Oldpartner",
                                  email="otto@fpl.example", phone="+1 555 0100")
        coord, coord_water = users["coord_gov"], users["coord_water"]

        restricted = factories.initiative(created_by=coord, tlp=TLP.AMBER_STRICT, title="Internal readiness review")
        archived_initiative = factories.initiative(created_by=coord, tlp=TLP.GREEN, title="Pilot 2025",
                                                   archived_at=utcnow())
        initiative = factories.initiative(
            created_by=coord, tlp=TLP.RED, title="Pumping-station hardening", objective="Fewer outages.",
            description=TEXT, participants=[water, old], sectors=[Sector.WATER, Sector.ENERGY],
            health=Health.AMBER, health_reason="Vendor late.\nSecond line.", start_date=today(),
            target_date=today() + timedelta(days=300), decision_needed=True, decision_note="Fund phase 2?")
        initiative.recipients = [coord_water, gone]
        for n in range(5):
            db.session.add(Milestone(initiative=initiative, title=f"Milestone {n + 1}",
                                     due_date=today() + timedelta(days=30 * n),
                                     completed_at=utcnow() if n < 2 else None))

        agreement = factories.agreement(
            created_by=coord, tlp=TLP.RED, status=AgreementStatus.DRAFT, title="Mutual aid for water",
            summary=TEXT, terms="1. Aid.\n2. Notice:  \n   30 days.", parties=[gov, water, old],
            sectors=[Sector.WATER], effective_date=today(), notice_days=30)
        agreement.recipients = [coord_water, gone]

        group = factories.working_group(
            created_by=coord, tlp=TLP.RED, name="Water OT security", charter=TEXT, initiative=archived_initiative,
            members=[(coord, MemberRole.CHAIR), (users["member_water"], MemberRole.MEMBER), (gone, MemberRole.MEMBER)])
        group.recipients = [users["member_water"], gone]
        water_group = factories.working_group(created_by=coord_water, tlp=TLP.GREEN, name="Water utilities forum",
                                              initiative=restricted, members=[(coord_water, MemberRole.CHAIR)])
        task = factories.task(working_group=group, title="Replace PLC firmware", description=TEXT,
                              assignee_id=gone.id, created_by_id=coord.id, due_date=today() + timedelta(days=20))
        # Done by someone who has left the group since (only open tasks keep a member in).
        done_task = factories.task(working_group=group, title="Inventory the PLCs", status=TaskStatus.DONE,
                                   assignee_id=coord_water.id, created_by_id=coord.id)

        water_risk = factories.risk(created_by=coord_water, tlp=TLP.GREEN, title="Chlorine dosing tampering",
                                    description=TEXT, threat="Remote access.\nWeak passwords.",
                                    initiative_id=restricted.id, next_review_date=today() + timedelta(days=90),
                                    sector=Sector.WATER, asset="Dosing PLCs")
        red_risk = factories.risk(created_by=coord, tlp=TLP.RED, title="Grid black start", description=TEXT,
                                  initiative_id=archived_initiative.id,
                                  next_review_date=today() + timedelta(days=60))
        red_risk.recipients = [coord_water, gone]
        mitigation = factories.mitigation(risk=water_risk, title="Segment the dosing network", description=TEXT,
                                          assigned_organization_id=water.id, assigned_user_id=gone.id,
                                          due_date=today() + timedelta(days=40), effectiveness=30)
        old_mitigation = factories.mitigation(risk=red_risk, title="Fallback generators",
                                              assigned_organization_id=old.id, effectiveness=10)

        plan = factories.incident_plan(created_by=coord, tlp=TLP.RED, title="Water incident response",
                                       status=PlanStatus.DRAFT, scope=TEXT, covered=[water, old],
                                       distribution_list="Casey, lead\nWen, water")
        plan.recipients = [coord_water, gone]
        section = PlanSection(plan=plan, phase=Phase.PREPARATION, title="Preparation", body=TEXT, position=0)
        contact = PlanContact(plan=plan, role="Duty officer", name="Sam Duty", organization="RWA",
                              phone="+1 555 0101", email="duty@rwa.example", escalation_tier=2, available_24_7=True)
        # Filed by the water authority, still ongoing; its times stored to the second (the form holds minutes).
        authority = factories.organization(name="National CSIRT", short_name="NCSIRT", is_authority=True)
        incident = factories.incident_report(
            created_by=coord_water, authority=authority, title="Dosing PLC outage", summary=TEXT,
            sectors=[Sector.WATER, Sector.HEALTHCARE], services_affected="Dosing\nTelemetry",
            aware_at=utcnow() - timedelta(hours=5, seconds=17), started_at=utcnow() - timedelta(hours=6, seconds=41),
            countries_affected="BE,FR", users_affected=1200)
        # A co-authored draft with a public edition, recipients, a related risk and an acknowledgement date.
        advisory = factories.advisory(
            created_by=coord, authors=[water], recipients=[child], tlp=TLP.AMBER, title="Dosing PLC firmware",
            summary=TEXT, body=TEXT, recommended_actions="Patch\nSegment", sectors=[Sector.WATER],
            public_title="Update water PLC firmware", public_body=TEXT,
            acknowledgement_deadline=today() + timedelta(days=7), last_edited_by_id=coord.id)
        advisory.risks = [water_risk]
        # Planned with an archived partner, a RED plan version and an agreement; times stored to the second.
        exercise = factories.exercise(
            created_by=coord, title="Pumping-station blackout tabletop", scenario=TEXT, tlp=TLP.AMBER,
            organizations=[water, old], incident_plan_id=plan.id, plan_version_label=plan.version_label,
            starts_at=utcnow() + timedelta(days=40, seconds=23))
        exercise.agreements = [agreement]
        conducted = factories.exercise(created_by=coord, title="Chlorine release drill", organizations=[water, old],
                                       status=ExerciseStatus.CONDUCTED, conducted_on=today())
        # Owned by the archived partner (its coordinator the point of contact), carried out as a task.
        corrective_action = factories.corrective_action(
            exercise=conducted, title="Train the night shift", area_for_improvement=TEXT,
            responsible_organization_id=old.id, point_of_contact_id=old_user.id, task_id=task.id,
            start_date=today(), due_date=today() + timedelta(days=60))
        # A webhook of the water authority: events in the catalogue's order, a description with accents.
        webhook = WebhookEndpoint(organization_id=water.id, url="http://127.0.0.1:9/siem?tenant=rwa",
                                  description="SIEM de l’autorité « eau »", events=["risk.updated", "advisory.released"],
                                  secret_encrypted=SECRETS.encrypt("whsec_" + "A" * 44), created_by_id=coord_water.id)
        # A TAXII peer represented by the water authority (its token never shown back).
        from app.federation.pull import encrypt_token
        from app.models import Peer

        peer = Peer(name="Centre nordique « eau »", organization_id=water.id, api_root_url="http://127.0.0.1:9/taxii2/api/",
                    collection_id="c-1", token_encrypted=encrypt_token("peer-token"))
        db.session.add_all([section, contact, webhook, peer])
        db.session.commit()
        milestone = initiative.milestones[-1]
        return {
            "users": {key: u.email for key, u in users.items()},
            "ids": {"agreement": agreement.id, "initiative": initiative.id, "milestone": milestone.id,
                    "working_group": group.id, "water_group": water_group.id, "task": task.id, "done_task": done_task.id,
                    "risk": water_risk.id, "red_risk": red_risk.id, "mitigation": mitigation.id,
                    "old_mitigation": old_mitigation.id, "plan": plan.id, "section": section.id,
                    "contact": contact.id, "organization": child.id, "water": water.id, "user": old_user.id,
                    "gone": gone.id, "incident": incident.id, "advisory": advisory.id, "exercise": exercise.id,
                    "corrective_action": corrective_action.id,
                    "webhook": webhook.id, "peer": peer.id},
        }
