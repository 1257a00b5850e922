"""Sign-in and account forms."""
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])


class ReauthenticateForm(FlaskForm):
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])


class TwoFactorForm(FlaskForm):
    code = StringField("Authentication code", validators=[DataRequired(), Length(max=32)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})
