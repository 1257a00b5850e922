"""Sign-in and account forms."""
from wtforms import EmailField
from wtforms import PasswordField
from wtforms import SelectField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import Email
from wtforms.validators import EqualTo
from wtforms.validators import Length

from app.auth.passwords import MAX_LENGTH
from app.forms import AppForm


class LoginForm(AppForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])


class ReauthenticateForm(AppForm):
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])


class TwoFactorForm(AppForm):
    code = StringField("Authentication code", validators=[DataRequired(), Length(max=32)],
                       description="The 6-digit code from your authenticator app, or one of your backup codes.",
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric",
                                  "spellcheck": "false", "autocapitalize": "none"})


class EnableTwoFactorForm(AppForm):
    code = StringField("Code from your app", validators=[DataRequired(), Length(max=32)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


def _new_password_field() -> PasswordField:
    """A new password, with the length rule said under it (a fresh field each call: forms keep their order)."""
    return PasswordField(
        "New password", validators=[DataRequired(), Length(max=1024)],
        description=f"At least 12 and at most {MAX_LENGTH} characters; a passphrase of a few words works well.",
        render_kw={"autocomplete": "new-password"})


def _confirm_field() -> PasswordField:
    return PasswordField("Repeat the new password",
                         validators=[DataRequired(), EqualTo("new_password", message="The passwords differ.")],
                         render_kw={"autocomplete": "new-password"})


class ChangePasswordForm(AppForm):
    current_password = PasswordField("Current password", validators=[DataRequired(), Length(max=1024)],
                                     render_kw={"autocomplete": "current-password"})
    new_password = _new_password_field()
    confirm = _confirm_field()


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ChangeEmailForm(AppForm):
    email = EmailField("New email address", filters=[_strip],
                       validators=[DataRequired(), Length(max=254), Email(check_deliverability=False)],
                       render_kw={"autocomplete": "email", "spellcheck": "false", "autocapitalize": "none"})


class SetOwnPasswordForm(AppForm):
    """A first password (invitation) or a new one (reset link): no current password to give."""

    new_password = _new_password_field()
    confirm = _confirm_field()


class ForgotPasswordForm(AppForm):
    email = EmailField("Email", filters=[_strip], validators=[DataRequired(), Length(max=254)],
                       render_kw={"autocomplete": "username", "spellcheck": "false", "autocapitalize": "none"})


def _zone_choices() -> list:
    from zoneinfo import available_timezones

    from wtforms.fields import SelectChoice

    return [SelectChoice(value=name, label=name.replace("_", " ")) for name in ["UTC", *sorted(available_timezones() - {"UTC"})]]


class TimeZoneForm(AppForm):
    """The zone the pages show deadlines in (incident clocks); times are stored in UTC."""

    time_zone = SelectField("Time zone", validators=[DataRequired()],
                            description="Deadlines such as incident-report clocks are shown in this zone.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.time_zone.choices = _zone_choices()
