"""The dashboard: per-role figures computed from the reader's scopes, each linking to its list."""
import csv
import io
from datetime import timedelta

from app.models import TLP
from app.models import AgreementStatus
from app.models import Health
from app.models import InitiativeStatus
from app.models import PlanStatus
from app.models import Role
from app.models import TaskStatus
from app.models import today
from tests import factories


def _world(app):
    """Organisations A and B with the same kinds of record; A's people must only count A's."""
    with app.app_context():
        org_a, org_b = factories.organization(name="Alpha Water"), factories.organization(name="Bravo Grid")
        people = {
            "coord_a": factories.user(role=Role.COORDINATOR, organization=org_a),
            "member_a": factories.user(role=Role.MEMBER, organization=org_a),
            "exec_a": factories.user(role=Role.EXECUTIVE, organization=org_a),
            "admin": factories.user(role=Role.ADMIN, organization=org_a),
            "coord_b": factories.user(role=Role.COORDINATOR, organization=org_b),
        }
        soon, past = today() + timedelta(days=30), today() - timedelta(days=5)
        for key, creator in (("A", people["coord_a"]), ("B", people["coord_b"])):
            factories.agreement(created_by=creator, tlp=TLP.AMBER, status=AgreementStatus.ACTIVE,
                                expiry_date=soon, reference=f"AGR-2026-00{key}1", title=f"Expiring {key}")
            factories.initiative(created_by=creator, tlp=TLP.AMBER, status=InitiativeStatus.ACTIVE,
                                 health=Health.RED, health_reason=f"Blocked {key}", title=f"Red initiative {key}")
            member = people["member_a"] if key == "A" else creator
            group = factories.working_group(created_by=creator, tlp=TLP.AMBER, members=[member],
                                            name=f"Group {key}")
            factories.task(working_group=group, assignee=member, due_date=past, status=TaskStatus.TO_DO,
                           title=f"Overdue task {key}")
            factories.risk(created_by=creator, tlp=TLP.AMBER, likelihood=5, impact=5, title=f"Critical risk {key}")
            factories.incident_plan(created_by=creator, tlp=TLP.AMBER, status=PlanStatus.APPROVED,
                                    next_review_date=past, title=f"Stale plan {key}")
        # A TLP:RED agreement of A not addressed to the executive: never counted for them.
        factories.agreement(created_by=people["coord_a"], tlp=TLP.RED, status=AgreementStatus.ACTIVE,
                            expiry_date=soon, reference="AGR-2026-00R1", title="Red expiring")
        return {key: user.id for key, user in people.items()}, people


def _csv_rows(client, url: str) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200, url
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_coordinator_sees_only_their_scope_and_every_figure_links_to_its_list(app, client_as):
    ids, people = _world(app)
    with app.app_context():
        client = client_as(people["coord_a"])
    html = client.get("/").get_data(as_text=True)
    for mine in ("Expiring A", "Red expiring", "Red initiative A", "Blocked A", "Critical risk A", "Stale plan A",
                 "Group A"):
        assert mine in html, mine
    for theirs in ("Expiring B", "Red initiative B", "Critical risk B", "Stale plan B", "Group B", "Overdue task B"):
        assert theirs not in html, theirs
    for link in ("/agreements/?expiring=1", "/tasks/?scope=all&amp;due=overdue", "/incident-plans/?review=due",
                 "/initiatives/?health=red", "/risks/?mine=1", "/working-groups/?mine=1"):
        assert link in html, link
    # The figure and the list behind it agree.
    assert len(_csv_rows(client, "/agreements/?expiring=1&format=csv")) == 2


def test_member_sees_their_own_work(app, client_as):
    ids, people = _world(app)
    with app.app_context():
        client = client_as(people["member_a"])
    html = client.get("/").get_data(as_text=True)
    assert "My work" in html and "Overdue task A" in html and "Group A" in html
    assert "Partnership portfolio" not in html and "Overdue task B" not in html
    # Each of their tasks carries its quick update, posting to that task's own status endpoint.
    with app.app_context():
        from app.extensions import db
        from app.models import Task

        task = db.session.scalar(db.select(Task).filter_by(title="Overdue task A"))
        task_id, version = task.id, task.version
    assert f'action="/tasks/{task_id}/status"' in html
    assert f'id="quick-status-{task_id}"' in html and f'name="version" value="{version}"' in html


def test_executive_gets_the_read_only_portfolio_without_red_they_were_not_given(app, client_as):
    ids, people = _world(app)
    with app.app_context():
        client = client_as(people["exec_a"])
    html = client.get("/").get_data(as_text=True)
    assert "Partnership portfolio" in html and "Executive report (PDF)" in html
    assert "Expiring A" in html and "Red expiring" not in html and "Expiring B" not in html
    assert "My work" not in html and "New agreement" not in html


def test_admin_sees_organisations_and_users(app, client_as):
    ids, people = _world(app)
    with app.app_context():
        client = client_as(people["admin"])
    html = client.get("/").get_data(as_text=True)
    assert "Organisations and users" in html and "/organizations/" in html and "/users/?state=active" in html
    assert "Partnership portfolio" not in html


def test_dashboard_figures_equal_the_scoped_counts(app):
    from app.main.dashboard import dashboard_for

    ids, people = _world(app)
    with app.app_context():
        from app.extensions import db
        from app.models import User

        coordinator = db.session.get(User, ids["coord_a"])
        figures = dashboard_for(coordinator)
        assert figures["expiring_count"] == 2 and figures["overdue_task_count"] == 1
        assert figures["plans_due_count"] == 1 and figures["initiatives_by_health"] == {Health.RED: 1}
        assert [r.title for r in figures["top_risks"]] == ["Critical risk A"]
        executive = db.session.get(User, ids["exec_a"])
        assert dashboard_for(executive)["expiring_count"] == 1


def test_my_work_counts_follow_the_data_with_reused_statements(app):
    """The figures come from statements built once per user scope and day: a new task, a finished one and
    another user still get their own, current counts."""
    from datetime import date
    from datetime import timedelta

    from app.extensions import db
    from app.main.dashboard import dashboard_for
    from app.models import Task
    from app.models import User

    ids, people = _world(app)
    with app.app_context():
        member = db.session.get(User, people["member_a"].id)
        figures = dashboard_for(member)
        assert (figures["my_task_count"], figures["my_overdue_count"]) == (1, 1)
        overdue = figures["my_tasks"][0]
        factories.task(working_group=overdue.working_group, assignee=member,
                       due_date=date.today() + timedelta(days=3), title="Next week")
        db.session.commit()
        figures = dashboard_for(member)
        assert (figures["my_task_count"], figures["my_overdue_count"]) == (2, 1)
        assert [t.title for t in figures["my_tasks"]] == ["Overdue task A", "Next week"]
        db.session.get(Task, overdue.id).status = TaskStatus.DONE
        db.session.commit()
        assert (dashboard_for(member)["my_task_count"], dashboard_for(member)["my_overdue_count"]) == (1, 0)
        coordinator = db.session.get(User, ids["coord_a"])
        assert dashboard_for(coordinator)["my_task_count"] == 0


def test_agreement_figures_count_what_each_insider_may_read(app):
    """The agreements by status, the expiring count and the report's highest label, for the readers inside an
    agreement (an observer organisation, its client, another partner): each counts only what it may read."""
    from flask import g

    from app.documents.executive import report_editions
    from app.extensions import db
    from app.main.dashboard import dashboard_for
    from app.models import PartyRole
    from app.models import User

    with app.app_context():
        owner, observer, partner = (factories.organization(name=n) for n in ("Owner", "Observer", "Partner"))
        client_org = factories.organization(name="Client of the observer", parent=observer)
        creator = factories.user(role=Role.COORDINATOR, organization=owner)
        readers = {name: factories.user(role=Role.COORDINATOR, organization=org).id
                   for name, org in (("observer", observer), ("partner", partner), ("client", client_org))}
        soon = today() + timedelta(days=30)
        both = [(observer, PartyRole.OBSERVER), (partner, PartyRole.PARTNER)]
        factories.agreement(created_by=creator, owner_organization=owner, tlp=TLP.AMBER, parties=both,
                            status=AgreementStatus.ACTIVE, expiry_date=soon)
        factories.agreement(created_by=creator, owner_organization=owner, tlp=TLP.AMBER_STRICT,
                            parties=[(observer, PartyRole.OBSERVER)], status=AgreementStatus.DRAFT)
        factories.agreement(created_by=creator, owner_organization=owner, tlp=TLP.RED, parties=both,
                            status=AgreementStatus.ACTIVE, expiry_date=soon)  # addressed to none of them
        factories.agreement(created_by=creator, owner_organization=owner, tlp=TLP.AMBER, parties=[partner],
                            status=AgreementStatus.IN_REVIEW, expiry_date=soon)
        expected = {
            "observer": ({AgreementStatus.ACTIVE: 1, AgreementStatus.DRAFT: 1}, 1, TLP.AMBER_STRICT),
            "partner": ({AgreementStatus.ACTIVE: 1, AgreementStatus.IN_REVIEW: 1}, 1, TLP.AMBER),
            "client": ({AgreementStatus.ACTIVE: 1}, 1, TLP.AMBER),
        }
        for name, (by_status, expiring, highest) in expected.items():
            reader = db.session.get(User, readers[name])
            figures = dashboard_for(reader)
            assert figures["agreements_by_status"] == by_status, name
            assert figures["agreement_total"] == sum(by_status.values()), name
            assert figures["expiring_count"] == expiring == len(figures["expiring"]), name
            assert g.report_editions == report_editions(reader) and g.report_editions[-1] is highest, name


def test_my_tasks_are_the_first_by_due_date_among_those_the_reader_may_see(app):
    """The person's first tasks by due date (those without one last), from the groups they may read: a partner's
    group they are a member of counts, a TLP:RED group they were not given does not, nor a done or archived task."""
    from app.extensions import db
    from app.main.dashboard import MY_LIMIT
    from app.main.dashboard import dashboard_for
    from app.models import User
    from app.models import utcnow

    with app.app_context():
        org_a, org_b = factories.organization(name="Alpha"), factories.organization(name="Bravo")
        member = factories.user(role=Role.MEMBER, organization=org_a)
        coordinator_b = factories.user(role=Role.COORDINATOR, organization=org_b)
        ours = factories.working_group(created_by=member, tlp=TLP.AMBER, members=[member])
        partners = factories.working_group(created_by=coordinator_b, tlp=TLP.AMBER, members=[member, coordinator_b])
        red = factories.working_group(created_by=coordinator_b, tlp=TLP.RED, members=[member, coordinator_b])

        def task(group, title, days=None, **kw):
            due = today() + timedelta(days=days) if days is not None else None
            factories.task(working_group=group, assignee=member, title=title, due_date=due, **kw)

        task(ours, "Undated")
        task(ours, "Day 3", 3)
        task(ours, "Day 1", 1)
        task(partners, "Partner's day 2", 2)
        task(red, "Red day 0", 0)
        task(ours, "Done", -1, status=TaskStatus.DONE)
        task(ours, "Archived", -1, archived_at=utcnow())
        member_id = member.id

        def mine():
            figures = dashboard_for(db.session.get(User, member_id))
            return figures["my_task_count"], [t.title for t in figures["my_tasks"]]

        assert mine() == (4, ["Day 1", "Partner's day 2", "Day 3", "Undated"])
        for n in range(MY_LIMIT):
            task(partners, f"Later {n}", 10 + n)
        assert mine() == (4 + MY_LIMIT, ["Day 1", "Partner's day 2", "Day 3",
                                         *(f"Later {n}" for n in range(MY_LIMIT - 3))])


def test_overdue_tasks_count_every_group_the_reader_may_see_beyond_the_listed_ones(app):
    """The overdue figure sums every visible group's overdue tasks (not only the groups listed): a partner's group
    one of the reader's colleagues belongs to counts, a partner's own group or a TLP:RED one does not."""
    from app.extensions import db
    from app.main.dashboard import LIST_LIMIT
    from app.main.dashboard import dashboard_for
    from app.models import User

    with app.app_context():
        org_a, org_b = factories.organization(name="Alpha"), factories.organization(name="Bravo")
        reader = factories.user(role=Role.COORDINATOR, organization=org_a)
        colleague = factories.user(role=Role.MEMBER, organization=org_a)
        partner = factories.user(role=Role.COORDINATOR, organization=org_b)
        past = today() - timedelta(days=3)

        def group(name, creator, tlp, members, overdue):
            made = factories.working_group(created_by=creator, tlp=tlp, members=members, name=name)
            for n in range(overdue):
                factories.task(working_group=made, due_date=past, title=f"{name} task {n}")

        group("Ours", reader, TLP.AMBER, [reader], 2)
        group("Shared with a colleague", partner, TLP.AMBER, [partner, colleague], 1)
        group("Partner's own", partner, TLP.AMBER, [partner], 1)
        group("Red", partner, TLP.RED, [partner, colleague], 1)
        for n in range(LIST_LIMIT + 1):
            group(f"More {n}", reader, TLP.GREEN, [], 1)
        figures = dashboard_for(db.session.get(User, reader.id))
        assert figures["overdue_task_count"] == 2 + 1 + LIST_LIMIT + 1
        listed = [(g.title, g.number) for g in figures["overdue_by_group"]]
        assert len(listed) == LIST_LIMIT and listed[0] == ("Ours", 2)
        assert "Partner's own" not in dict(listed) and "Red" not in dict(listed)


def test_the_inbox_count_of_the_dashboard_counts_assigned_work_as_the_inbox_does(app, client_as):
    """The dashboard counts the person's work of "Assigned to you" in its own pass over their open work: the same
    number as the inbox's own branches, whatever the status, due date, archived parent or visibility."""
    import re

    from app.extensions import db
    from app.inbox.providers import inbox_counts
    from app.models import MitigationStatus
    from app.models import User
    from app.models import utcnow

    ids, people = _world(app)
    with app.app_context():
        member, coord_a, coord_b = (db.session.get(User, ids[key]) for key in ("member_a", "coord_a", "coord_b"))
        group = factories.working_group(created_by=coord_a, tlp=TLP.AMBER, members=[member])
        archived = factories.working_group(created_by=coord_a, tlp=TLP.AMBER, members=[member],
                                           archived_at=utcnow())
        hidden = factories.working_group(created_by=coord_b, tlp=TLP.AMBER)
        week, month = today() + timedelta(days=3), today() + timedelta(days=30)
        for status, due, where in ((TaskStatus.TO_DO, None, group), (TaskStatus.IN_PROGRESS, week, group),
                                   (TaskStatus.IN_PROGRESS, month, group), (TaskStatus.IN_PROGRESS, None, group),
                                   (TaskStatus.DONE, week, group), (TaskStatus.TO_DO, week, archived),
                                   (TaskStatus.TO_DO, week, hidden)):
            factories.task(working_group=where, assignee=member, status=status, due_date=due)
        risk = factories.risk(created_by=coord_a, tlp=TLP.AMBER)
        archived_risk = factories.risk(created_by=coord_a, tlp=TLP.AMBER, archived_at=utcnow())
        for status, due, where in ((MitigationStatus.PLANNED, month, risk), (MitigationStatus.IN_PROGRESS, week, risk),
                                   (MitigationStatus.IN_PROGRESS, month, risk),
                                   (MitigationStatus.IMPLEMENTED, week, risk),
                                   (MitigationStatus.PLANNED, week, archived_risk)):
            factories.mitigation(risk=where, assigned_user=member, status=status, due_date=due)
        db.session.commit()
        counted = inbox_counts(member)
        client = client_as(member)
    assert counted["Assigned to you"] == 5  # the overdue task of _world, two tasks and two mitigations here
    html = client.get("/").get_data(as_text=True)
    assert int(re.search(r'dashboard-inbox-count">(\d+)<', html).group(1)) == sum(counted.values())
