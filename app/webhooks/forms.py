"""The webhook endpoint form: where to send, what for, which events."""
from wtforms import StringField
from wtforms import SubmitField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Optional

from app.forms import MultiCheckboxField
from app.forms import VersionedForm
from app.webhooks import events


class EndpointForm(VersionedForm):
    url = StringField("Receiver URL", validators=[DataRequired(), Length(max=2000)],
                      description="Where Palisade POSTs each event: an https:// address on the internet.")
    description = StringField("Description", validators=[Optional(), Length(max=200)],
                              description="What receives it: your ticketing system, your SIEM…")
    events = MultiCheckboxField("Events", validators=[DataRequired(message="Choose at least one event.")],
                                choices=[SelectChoice(name, label) for name, label in events.catalogue()],
                                description="Records above TLP:GREEN are announced by kind, reference, label "
                                            "and API address only; your organisation receives only what it may read.")
    submit = SubmitField("Save")
