"""Forms of the working groups: the group itself, its members and its status buttons.

Related records (initiative, users) come in as choices built from scoped queries, so a forged or
foreign id fails as "Not a valid choice" before any service runs.
"""
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import ValidationError

from app.forms import ModelForm
from app.forms import RecipientsField
from app.forms import VersionedForm
from app.forms import enum_select
from app.forms import optional_id
from app.forms import record_choices
from app.forms import status_change_form
from app.forms import tlp_field
from app.forms import user_label
from app.models import MemberRole
from app.models import WorkingGroupStatus

NAME_MAX = 200
CHARTER_MAX = 100_000




class WorkingGroupForm(VersionedForm):
    conflict_fields = ("name", "charter", "tlp")
    name = StringField("Name", validators=[DataRequired(), Length(max=NAME_MAX)])
    charter = TextAreaField(
        "Charter", validators=[Length(max=CHARTER_MAX)],
        description="Purpose, scope, deliverables and ways of working. Markdown is supported.")
    initiative_id = SelectField("Initiative", coerce=optional_id, validate_choice=True,
                                description="Optional: the joint initiative this group works for.")
    tlp = tlp_field()
    recipients = RecipientsField()

    def __init__(self, *args, initiative_choices=(), users=(), creator_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.initiative_id.choices = list(initiative_choices) or [SelectChoice("", "— None —")]
        self.recipients.offer(users, creator_id)


class AddMemberForm(ModelForm):
    user_id = SelectField("Person", coerce=optional_id, validators=[InputRequired()],
                          description="Adding someone from another organisation makes that organisation a "
                                      "participant: its people can then read this group under TLP:AMBER "
                                      "and TLP:AMBER+STRICT.")
    role = enum_select("Role", MemberRole, default=MemberRole.MEMBER)

    def __init__(self, *args, users=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.user_id.choices = [SelectChoice("", "— Choose a person —"),
                                *record_choices(users, label=user_label)]

    def validate_user_id(self, field):
        if field.data is None:
            raise ValidationError("Choose a person to add.")


WorkingGroupStatusForm = status_change_form(WorkingGroupStatus)
