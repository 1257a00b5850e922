"""One TLP:RED recipients field and rule for every record form, and one audit wording of their changes."""
from types import SimpleNamespace

import pytest

from app import records
from app.agreements.forms import AgreementForm
from app.forms import RecipientsField
from app.incident_plans.forms import PlanForm
from app.initiatives.forms import InitiativeForm
from app.risks.forms import RiskForm
from app.working_groups.forms import WorkingGroupForm

FORMS = [AgreementForm, InitiativeForm, WorkingGroupForm, RiskForm, PlanForm]
CREATOR, OTHER = SimpleNamespace(id=1, name="Ann Author", organization=None), \
    SimpleNamespace(id=2, name="Bo Reader", organization=None)


def _recipient_errors(app, form_class, data) -> list[str]:
    with app.test_request_context(method="POST", data=data):
        form = form_class(users=[CREATOR, OTHER], creator_id=CREATOR.id)
        form.validate()
        return list(form.recipients.errors)


@pytest.mark.parametrize("form_class", FORMS, ids=lambda c: c.__name__)
def test_every_record_form_declares_the_same_recipients_field(form_class):
    assert form_class.recipients.field_class is RecipientsField
    assert not hasattr(form_class, "recipient_ids")


@pytest.mark.parametrize("form_class", FORMS, ids=lambda c: c.__name__)
def test_a_red_record_must_name_someone_besides_its_creator(app, form_class):
    for chosen in ([], [str(CREATOR.id)]):
        errors = _recipient_errors(app, form_class, {"tlp": "red", "recipients": chosen})
        assert errors == ["Name at least one recipient for TLP:RED, besides its creator (who always reads it)."]
    assert _recipient_errors(app, form_class, {"tlp": "red", "recipients": [str(OTHER.id)]}) == []
    assert _recipient_errors(app, form_class, {"tlp": "amber"}) == []


@pytest.mark.parametrize("form_class", FORMS, ids=lambda c: c.__name__)
def test_a_forged_recipient_is_not_a_valid_choice(app, form_class):
    assert _recipient_errors(app, form_class, {"tlp": "red", "recipients": ["9999"]})


def test_one_wording_for_recipients_changing():
    assert records.recipients_change([], [OTHER, CREATOR]) == "recipients: added Ann Author, Bo Reader"
    assert records.recipients_change([CREATOR], [OTHER]) == "recipients: added Bo Reader; removed Ann Author"
    assert records.recipients_change([CREATOR], [CREATOR]) == ""
