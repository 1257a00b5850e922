"""The peer form (admin)."""
from urllib.parse import urlsplit

from wtforms import BooleanField
from wtforms import PasswordField
from wtforms import SelectField
from wtforms import StringField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.validators import Regexp
from wtforms.validators import ValidationError

from app.forms import VersionedForm
from app.forms import optional_id
from app.forms import record_choices


class PeerForm(VersionedForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)],
                       description="How this peer is named in lists, e.g. Nordic centre.")
    organization_id = SelectField("Represented by", coerce=optional_id, validators=[DataRequired()],
                                  description="The partner organisation that owns what arrives from this peer.")
    recipient_organization_id = SelectField(
        "Shared with", coerce=optional_id, validators=[Optional()],
        description="The organisation here that the peer shares with (it receives TLP:AMBER and AMBER+STRICT).")
    api_root_url = StringField("TAXII API root", validators=[DataRequired(), Length(max=500)],
                               description="e.g. https://palisade.example.org/taxii2/api/")
    collection_id = StringField("Collection id", validators=[DataRequired(), Length(max=100),
                                                             Regexp(r"^[A-Za-z0-9._:-]+$",
                                                                    message="Letters, digits, . _ : - only.")])
    token = PasswordField("Token", validators=[DataRequired(), Length(max=500)],
                          description="The API token the peer issued for this instance; stored encrypted.")

    active = BooleanField("Enabled", default=True,
                          description="Pulled on the worker's schedule (every 15 minutes) while enabled.")

    def __init__(self, *args, organizations=(), is_new: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not is_new:  # the stored token is never shown back; blank keeps it
            self.token.validators = [Optional(), Length(max=500)]
            self.token.flags.required = False
            self.token.description = "Leave blank to keep the stored token; a new one replaces it."
        choices = record_choices(organizations)
        self.organization_id.choices = [SelectChoice(value="", label="— choose —"), *choices]
        self.recipient_organization_id.choices = [SelectChoice(value="", label="— none —"), *choices]

    def validate_api_root_url(self, field):
        parts = urlsplit(field.data or "")
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValidationError("Give the http(s) address of the peer's TAXII API root.")
