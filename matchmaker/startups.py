"""Startup profiles: detail (private fields only after mutual interest), JSON, create, edit; saving re-runs
the saved searches so that a matching startup alerts within the same request."""
from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from matchmaker import workspace as ws
from matchmaker.auth import roles_required
from matchmaker.db import db
from matchmaker.forms import StartupForm, StartupProfileForm, field_names
from matchmaker.matching import recommend as rec
from matchmaker.models import Fund, Startup
from matchmaker.views import can_edit, get_or_404, save_form
from matchmaker.workspace_models import StartupPrivate

bp = Blueprint("startups", __name__, url_prefix="/startups")
FIELDS = field_names(StartupForm)
PRIVATE = field_names(StartupProfileForm)
VIEWERS = ("startup", "fund", "scenario_owner", "organiser")


@bp.get("/<int:sid>")
@roles_required(*VIEWERS)
def detail(sid: int):
    st = get_or_404(Startup, sid)
    funds = list(db.session.execute(db.select(Fund).where(Fund.manager_id == current_user.id)).scalars())
    return render_template("startups/detail.html", st=st, v=ws.visible_fields(current_user, st), my_funds=funds,
                           on_pipeline={f.id: ws.entry("fund", f.id, st.id) for f in funds},
                           notes=ws.notes(current_user, [st.id]).get(st.id, []),
                           scenario_matches=rec.scenarios_for_startup(st, top=8),
                           fund_matches=[ws.redact_match(current_user, m, st)
                                         for m in rec.funds_for_startup(st, top=8)])


@bp.get("/<int:sid>.json")
@roles_required(*VIEWERS)
def detail_json(sid: int):
    st = get_or_404(Startup, sid)
    return jsonify(ws.visible_fields(current_user, st))


def _save(st: Startup, form) -> None:
    """Save the profile and its private settings, then alert the saved searches it now matches."""
    save_form("startup", form, st, FIELDS)
    p = db.session.get(StartupPrivate, st.id) or StartupPrivate(startup_id=st.id)
    for f in PRIVATE:
        setattr(p, f, (getattr(form, f).data or "").strip() if f.startswith("contact") else bool(getattr(form, f).data))
    db.session.add(p)
    db.session.commit()
    ws.check_saved_searches(st)
    flash(_("Profile saved. Your recommendations are updated."))


@bp.route("/new", methods=["GET", "POST"])
@roles_required("startup")
def create():
    form = StartupProfileForm()
    if form.validate_on_submit():
        st = Startup(owner_id=current_user.id, name=form.name.data)
        _save(st, form)
        return redirect(url_for("startups.detail", sid=st.id))
    return render_template("startups/form.html", form=form, st=None), 400 if form.errors else 200


@bp.route("/<int:sid>/edit", methods=["GET", "POST"])
@roles_required("startup")
def edit(sid: int):
    st = get_or_404(Startup, sid)
    if not can_edit(st):
        abort(403)
    p = ws.privacy(st)
    form = StartupProfileForm(obj=st, contact_email=p.contact_email, contact_phone=p.contact_phone,
                              private_financials=p.private_financials, private_contacts=p.private_contacts)
    if form.validate_on_submit():
        _save(st, form)
        return redirect(url_for("startups.detail", sid=st.id))
    return render_template("startups/form.html", form=form, st=st), 400 if form.errors else 200
