"""Startup profiles: detail with recommended scenarios and funds, create, edit."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from matchmaker.auth import roles_required
from matchmaker.forms import StartupForm, field_names
from matchmaker.matching import recommend as rec
from matchmaker.models import Startup
from matchmaker.views import can_edit, get_or_404, save_form

bp = Blueprint("startups", __name__, url_prefix="/startups")
FIELDS = field_names(StartupForm)


@bp.get("/<int:sid>")
@roles_required("startup", "fund", "scenario_owner", "organiser")
def detail(sid: int):
    st = get_or_404(Startup, sid)
    return render_template("startups/detail.html", st=st, scenario_matches=rec.scenarios_for_startup(st, top=8),
                           fund_matches=rec.funds_for_startup(st, top=8))


@bp.route("/new", methods=["GET", "POST"])
@roles_required("startup")
def create():
    form = StartupForm()
    if form.validate_on_submit():
        st = Startup(owner_id=current_user.id, name=form.name.data)
        save_form("startup", form, st, FIELDS)
        flash(_("Profile saved. Your recommendations are updated."))
        return redirect(url_for("startups.detail", sid=st.id))
    return render_template("startups/form.html", form=form, st=None), 400 if form.errors else 200


@bp.route("/<int:sid>/edit", methods=["GET", "POST"])
@roles_required("startup")
def edit(sid: int):
    st = get_or_404(Startup, sid)
    if not can_edit(st):
        abort(403)
    form = StartupForm(obj=st)
    if form.validate_on_submit():
        save_form("startup", form, st, FIELDS)
        flash(_("Profile saved. Your recommendations are updated."))
        return redirect(url_for("startups.detail", sid=st.id))
    return render_template("startups/form.html", form=form, st=st), 400 if form.errors else 200
