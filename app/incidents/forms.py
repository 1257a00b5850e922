"""Incident-report forms. Times are typed in the user's own time zone and handed to services in UTC;
forms never write."""
import re

from wtforms import DateTimeLocalField
from wtforms import HiddenField
from wtforms import IntegerField
from wtforms import RadioField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional
from wtforms.validators import StopValidation
from wtforms.validators import ValidationError

from app.forms import ModelForm
from app.forms import RiskFromRecordForm
from app.forms import VersionedForm
from app.forms import enum_select
from app.forms import record_choices
from app.forms import sectors_field
from app.forms import status_change_form
from app.incidents import clocks
from app.models import TLP
from app.models import GeographicSpread
from app.models import IncidentStatus
from app.models import Significance
from app.models import StageKind
from app.models import SuspectedCause
from app.models import utcnow

MARKDOWN_MAX = 100_000
TIME_FORMAT = "%Y-%m-%dT%H:%M"
_COUNTRIES = re.compile(r"^[A-Z]{2}$")
# Times an incident's clocks can hold: any other year is a typing slip, and at the calendar's ends a time
# read in the user's zone does not exist in UTC (or its deadlines do not).
FIRST_YEAR, LAST_YEAR = 1970, 2199


def _in_calendar(_form, field) -> None:
    if field.data is not None and not FIRST_YEAR <= field.data.year <= LAST_YEAR:
        raise StopValidation(f"{field.label.text}: give a date between {FIRST_YEAR} and {LAST_YEAR}.")


def _time(label: str, required: bool = False, description: str = "") -> DateTimeLocalField:
    validators = [InputRequired(message=f"Say when: {label.lower()}.")] if required else [Optional()]
    return DateTimeLocalField(label, format=TIME_FORMAT, validators=[*validators, _in_calendar],
                              description=description)


class ZonedForm(ModelForm):
    """A form whose datetime-local fields are read in `zone_name` (the user's time zone)."""

    TIME_FIELDS: tuple[str, ...] = ()

    def __init__(self, *args, zone_name: str = "UTC", **kwargs):
        super().__init__(*args, **kwargs)
        self.zone_name = zone_name

    def record_value(self, record, name: str):
        """A saved value as this form shows it: times on the reader's wall clock (the conflict page)."""
        value = getattr(record, name, None)
        return clocks.to_local_input(value, self.zone_name) if name in self.TIME_FIELDS else value

    def utc(self, name: str):
        """The field's time in UTC; None when empty or outside the calendar (its own validator says so)."""
        moment = self[name].data
        if moment is None or not FIRST_YEAR <= moment.year <= LAST_YEAR:
            return None
        return clocks.to_utc(moment, self.zone_name)

    def model_data(self, exclude: tuple[str, ...] = ()) -> dict:
        data = super().model_data(exclude)
        for name in self.TIME_FIELDS:
            if name in data:
                data[name] = self.utc(name)
        return data

    def _not_future(self, field):
        moment = self.utc(field.name)
        if moment is not None and moment > utcnow():
            raise ValidationError(f"{field.label.text} cannot be in the future.")


class IncidentReportForm(ZonedForm):
    TIME_FIELDS = ("aware_at", "started_at", "ended_at")

    authority_organization_id = SelectField("Report to", coerce=int, validators=[InputRequired()],
                                            description="The competent authority or CSIRT this report goes to.")
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField("Summary", validators=[Length(max=MARKDOWN_MAX)],
                            description="Markdown. What happened, as far as you know now.")
    aware_at = _time("Became aware", required=True,
                     description="When your organisation became aware: the 24 h and 72 h clocks start here.")
    started_at = _time("Started")
    ended_at = _time("Ended", description="Leave empty while the incident is ongoing.")
    sectors = sectors_field("Sectors affected", validators=[DataRequired(message="Choose at least one sector.")])
    services_affected = TextAreaField("Services affected", validators=[Length(max=20_000)])
    users_affected = IntegerField("Users affected", validators=[Optional(), NumberRange(min=0, max=10**9)])
    duration = IntegerField("Duration (minutes)", validators=[Optional(), NumberRange(min=0, max=10**7)],
                            description="How long the service was disrupted, as you assess it.")
    geographic_spread = enum_select("Geographic spread", GeographicSpread)
    countries_affected = StringField("Countries affected", validators=[Length(max=200)],
                                     description="ISO 3166 codes separated by commas, e.g. BE, FR.")
    suspected_cause = enum_select("Suspected cause", SuspectedCause, default=SuspectedCause.UNKNOWN)
    significance = enum_select("Significance (your assessment)", Significance, default=Significance.UNKNOWN)
    tlp = SelectField("TLP label", choices=[SelectChoice(value=t.value, label=t.label)
                                            for t in (TLP.AMBER_STRICT, TLP.AMBER)],
                      coerce=TLP, default=TLP.AMBER_STRICT.value, validators=[InputRequired()],
                      description="AMBER+STRICT: your organisation and the authority only. "
                                  "AMBER: also their clients, need-to-know.")

    def __init__(self, *args, authorities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.authority_organization_id.choices = record_choices(authorities)

    def validate_aware_at(self, field):
        self._not_future(field)

    def validate_started_at(self, field):
        self._not_future(field)

    def validate_ended_at(self, field):
        self._not_future(field)
        start, end = self.utc("started_at"), self.utc("ended_at")
        if start is not None and end is not None and end < start:
            raise ValidationError("The incident cannot end before it started.")

    def validate_countries_affected(self, field):
        codes = [c.strip().upper() for c in (field.data or "").split(",") if c.strip()]
        bad = [c for c in codes if not _COUNTRIES.match(c)]
        if bad:
            raise ValidationError(f"Use two-letter ISO 3166 codes (not {', '.join(bad[:3])}).")
        if self.geographic_spread.data is GeographicSpread.CROSS_BORDER and len(codes) < 2:
            raise ValidationError("A cross-border incident affects at least two countries: name them.")
        field.data = ",".join(dict.fromkeys(codes))


class IncidentEditForm(IncidentReportForm, VersionedForm):
    """What the operator learns after filing: the authority, when it became aware (the clocks run from it),
    the TLP and the submitted stages stay as filed. Validated as when filing, against the filed aware_at."""

    conflict_fields = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.authority_organization_id, self.aware_at, self.tlp
        self.ended_at.description = "Fill in when the incident is over; leave empty while it is ongoing."

    def load_times(self, report) -> None:
        """On GET: the stored times as the user's wall clock."""
        for name in ("started_at", "ended_at"):
            self[name].data = clocks.to_local_input(getattr(report, name), self.zone_name)


class OnVersion:
    """A form opened on one version of the report: a replay (a double click) or a stale form does nothing."""

    version = HiddenField()

    def is_stale(self, report) -> bool:
        sent = str(self.version.data or "")
        return sent.isdigit() and int(sent) != report.version


YES_NO = [SelectChoice(value="yes", label="Yes"), SelectChoice(value="no", label="No")]


def _yes_no(label: str) -> RadioField:
    return RadioField(label, choices=YES_NO, validators=[InputRequired(message="Answer yes or no.")])


class StageForm(OnVersion, ModelForm):
    """What each stage requires: the early warning says whether malicious or cross-border is suspected;
    the final report has root cause, mitigations applied and cross-border impact."""

    body = TextAreaField("Report", validators=[DataRequired(), Length(max=MARKDOWN_MAX)],
                         description="Markdown. Submitted text never changes: a correction is a new "
                                     "intermediate report.")
    malicious_suspected = _yes_no("Is a malicious act suspected?")
    cross_border_suspected = _yes_no("Could the incident have a cross-border impact?")
    root_cause = TextAreaField("Root cause", validators=[DataRequired(), Length(max=MARKDOWN_MAX)])
    mitigations_applied = TextAreaField("Mitigations applied and ongoing",
                                        validators=[DataRequired(), Length(max=MARKDOWN_MAX)])
    cross_border_impact = TextAreaField("Cross-border impact", validators=[DataRequired(), Length(max=20_000)],
                                        description="Write “None” when there was none.")
    def __init__(self, *args, kind: StageKind, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        if kind is not StageKind.EARLY_WARNING:
            del self.malicious_suspected, self.cross_border_suspected
        if kind is not StageKind.FINAL:
            del self.root_cause, self.mitigations_applied, self.cross_border_impact

    def model_data(self, exclude: tuple[str, ...] = ()) -> dict:
        data = super().model_data(exclude)
        for name in ("malicious_suspected", "cross_border_suspected"):
            if name in data:
                data[name] = data[name] == "yes"
        return data


class RequestForm(OnVersion, ZonedForm):
    """The authority asks for an intermediate report by a date."""

    TIME_FIELDS = ("due_at",)
    due_at = _time("Due", required=True)
    request_note = TextAreaField("What you need", validators=[Length(max=20_000)])

    def validate_due_at(self, field):
        moment = self.utc("due_at")
        if moment is not None and moment <= utcnow():
            raise ValidationError("The intermediate report must be due in the future.")


StatusForm = status_change_form(IncidentStatus)


# The one-step risk form is shared with the advisories (a risk from a record, in the opener's own words).
RiskFromIncidentForm = RiskFromRecordForm
