"""One conflict-field declaration for every edit form: `conflict_fields` on the form class names what the 409
conflict page compares, and every name it declares is a field the user fills in on that form."""
import importlib

import pytest
from wtforms.fields.core import UnboundField

from app import features
from app.conflicts import SKIPPED_TYPES
from app.forms import VersionedForm


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


for feature in features():
    try:
        importlib.import_module(f"app.{feature}.forms")
    except ModuleNotFoundError:
        pass

EDIT_FORMS = sorted({form for form in _subclasses(VersionedForm)}, key=lambda form: form.__qualname__)


@pytest.mark.parametrize("form_class", EDIT_FORMS, ids=lambda form: form.__qualname__)
def test_declared_conflict_fields_are_fields_the_user_fills_in(form_class):
    for name in form_class.conflict_fields or ():  # None: every field the user fills in
        field = getattr(form_class, name, None)
        assert isinstance(field, UnboundField) and field.field_class.__name__ not in SKIPPED_TYPES, name


def test_the_record_edit_forms_declare_theirs():
    from app.agreements.forms import AgreementForm
    from app.forms import TaskForm
    from app.incident_plans.forms import PlanForm
    from app.initiatives.forms import InitiativeForm
    from app.working_groups.forms import WorkingGroupForm

    for form_class in (AgreementForm, InitiativeForm, WorkingGroupForm, TaskForm, PlanForm):
        assert form_class.conflict_fields, form_class.__name__
