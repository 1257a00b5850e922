"""Organisation forms (admin)."""
import pycountry
from wtforms import BooleanField
from wtforms import SelectField
from wtforms import StringField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Regexp
from wtforms.validators import ValidationError

from app.forms import VersionedForm
from app.forms import enum_select
from app.forms import optional_id
from app.forms import record_choices
from app.forms import sectors_field
from app.models import OrganizationKind


class OrganizationForm(VersionedForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    short_name = StringField("Short name", validators=[Length(max=40)],
                             description="Shown in lists and badges, e.g. CISA or NWU.")
    kind = enum_select("Kind", OrganizationKind)
    country = StringField("Country", validators=[DataRequired(), Length(min=2, max=2),
                                                 Regexp(r"^[A-Za-z]{2}$", message="Use the two-letter ISO code.")],
                          description="ISO 3166 alpha-2 code, e.g. US, GB, DE.")
    sectors = sectors_field("Sectors")
    is_authority = BooleanField("Competent authority or CSIRT",
                                description="Operators address their incident reports to it (NIS2, CER).")
    parent_id = SelectField("Parent organisation", coerce=optional_id,
                            description="Set for a client organisation: it then receives TLP:AMBER "
                                        "shared with its parent.")

    def __init__(self, *args, organizations=(), current_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._current_id = current_id
        others = [o for o in organizations if o.id != current_id]
        self.parent_id.choices = [SelectChoice(value="", label="— none —"), *record_choices(others)]

    def validate_country(self, field):
        if field.data and pycountry.countries.get(alpha_2=field.data.upper()) is None:
            raise ValidationError("Unknown country code; use ISO 3166 alpha-2, e.g. US.")

    def model_data(self, exclude=()) -> dict:
        data = super().model_data(exclude)
        data["country"] = data["country"].upper()
        return data
