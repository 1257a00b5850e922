"""The e-mail preferences form: one choice per notification kind."""
from wtforms import RadioField
from wtforms.fields import SelectChoice

from app.forms import AppForm
from app.models import EmailChannel
from app.models import NotificationKind


def _make_form() -> type:
    fields = {
        f"kind_{kind.value}": RadioField(kind.label, choices=[SelectChoice(value=c.value, label=c.label) for c in EmailChannel],
                                         default=EmailChannel.IMMEDIATELY.value,
                                         validate_choice=True)
        for kind in NotificationKind
    }
    return type("PreferencesForm", (AppForm,), fields)


PreferencesForm = _make_form()
