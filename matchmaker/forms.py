"""Validated forms for startups, scenarios and funds; list fields take one item per line."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.core import UnboundField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from matchmaker.i18n import COOP_LABELS, OWNER_TYPE_LABELS, STAGE_LABELS, STATUS_LABELS
from matchmaker.models import COOP_MODES, LANGS, OWNER_TYPES, SCENARIO_STATUSES, STAGES

LANG_CHOICES = [("zh", "中文"), ("en", "English")]
STAGE_CHOICES = [(s, STAGE_LABELS[s]) for s in STAGES]


class LinesField(TextAreaField):
    """A textarea whose value is a list of non-empty lines."""

    def process_formdata(self, valuelist):
        self.data = [x.strip() for x in (valuelist[0] if valuelist else "").splitlines() if x.strip()]

    def _value(self):
        return "\n".join(self.data or [])


class CommaField(StringField):
    """A text input whose value is a list split on commas (，or ,)."""

    def process_formdata(self, valuelist):
        raw = (valuelist[0] if valuelist else "").replace("，", ",")
        self.data = [x.strip() for x in raw.split(",") if x.strip()]

    def _value(self):
        return ", ".join(self.data or [])


def _amount(label):
    return DecimalField(label, places=0, validators=[Optional(), NumberRange(min=0, max=1e13)])


class StartupForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    one_liner = StringField(_l("One-liner"), validators=[DataRequired(), Length(max=500)])
    description = TextAreaField(_l("What you build, for whom, how it is deployed"),
                                validators=[DataRequired(), Length(min=20, max=20000)])
    products = LinesField(_l("Products (one per line)"), validators=[Length(max=5000)])
    technologies = LinesField(_l("Technologies (one per line)"), validators=[Length(max=5000)])
    cases = LinesField(_l("Customer cases (one per line)"), validators=[Length(max=5000)])
    sectors = CommaField(_l("Sectors (comma-separated)"))
    tags = CommaField(_l("Tags (comma-separated)"))
    stage = SelectField(_l("Stage"), choices=STAGE_CHOICES)
    raising_cny = _amount(_l("Raising now (CNY)"))
    funding_to_date_cny = _amount(_l("Funding to date (CNY)"))
    region = StringField(_l("Province / region"), validators=[Length(max=120)])
    district = StringField(_l("District"), validators=[Length(max=120)])
    incubator = StringField(_l("Incubator"), validators=[Length(max=200)])
    founded_year = IntegerField(_l("Founded"), validators=[Optional(), NumberRange(min=1950, max=2100)])
    team_size = IntegerField(_l("Team size"), validators=[Optional(), NumberRange(min=1, max=100000)])
    investors = CommaField(_l("Existing investors (comma-separated)"))
    language = SelectField(_l("Profile language"), choices=LANG_CHOICES)


class StartupProfileForm(StartupForm):
    """The profile form with the contacts and the private-field switches (stored apart from the profile)."""

    contact_email = StringField(_l("Contact email"), validators=[Optional(), Email(), Length(max=255)])
    contact_phone = StringField(_l("Contact phone"), validators=[Optional(), Length(max=60)])
    private_financials = BooleanField(_l("Keep financials (raise, funding to date, investors) private until "
                                         "mutual interest"), default=False)
    private_contacts = BooleanField(_l("Keep contacts private until mutual interest"), default=True)


class ScenarioForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    owner_org = StringField(_l("Owner organisation"), validators=[DataRequired(), Length(max=300)])
    owner_type = SelectField(_l("Owner type"), choices=[(x, OWNER_TYPE_LABELS[x]) for x in OWNER_TYPES])
    district = StringField(_l("District"), validators=[Length(max=120)])
    sector = StringField(_l("Sector"), validators=[Length(max=120)])
    problem = TextAreaField(_l("The problem"), validators=[DataRequired(), Length(min=20, max=20000)])
    requirements = LinesField(_l("Requirements (one per line)"), validators=[DataRequired()])
    data_and_site = TextAreaField(_l("Data and site available"), validators=[Length(max=10000)])
    budget_min_cny = _amount(_l("Budget from (CNY)"))
    budget_max_cny = _amount(_l("Budget to (CNY)"))
    cooperation_mode = SelectField(_l("Cooperation mode"), choices=[(x, COOP_LABELS[x]) for x in COOP_MODES])
    deadline = DateField(_l("Deadline"), validators=[Optional()])
    status = SelectField(_l("Status"), choices=[(x, STATUS_LABELS[x]) for x in SCENARIO_STATUSES])
    language = SelectField(_l("Language"), choices=LANG_CHOICES)

    def validate_budget_max_cny(self, field):
        if field.data is not None and self.budget_min_cny.data is not None and field.data < self.budget_min_cny.data:
            raise ValidationError(_l("The upper budget is below the lower one."))


class FundForm(FlaskForm):
    name = StringField(_l("Fund name"), validators=[DataRequired(), Length(max=200)])
    manager_org = StringField(_l("Manager organisation"), validators=[Length(max=200)])
    mandate = TextAreaField(_l("Mandate"), validators=[DataRequired(), Length(min=20, max=20000)])
    sectors = CommaField(_l("Sectors (comma-separated)"))
    stages = SelectMultipleField(_l("Stages"), choices=STAGE_CHOICES)
    ticket_min_cny = _amount(_l("Ticket from (CNY)"))
    ticket_max_cny = _amount(_l("Ticket to (CNY)"))
    regions = CommaField(_l("Regions (comma-separated; empty = anywhere)"))
    exclusions = LinesField(_l("Exclusions (one per line)"))
    strict_filters = BooleanField(_l("Apply stages, ticket and regions as hard rules"), default=True)
    language = SelectField(_l("Language"), choices=LANG_CHOICES)

    def validate_ticket_max_cny(self, field):
        if field.data is not None and self.ticket_min_cny.data is not None and field.data < self.ticket_min_cny.data:
            raise ValidationError(_l("The upper ticket is below the lower one."))


assert set(LANGS) == {c for c, _ in LANG_CHOICES}


def field_names(form_cls) -> tuple[str, ...]:
    """The data fields a form class declares, in declaration order."""
    return tuple(n for n, f in vars(form_cls).items() if isinstance(f, UnboundField))
