"""Funds: detail with ranked deal flow, create, edit."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from matchmaker import workspace as ws
from matchmaker.auth import roles_required
from matchmaker.forms import FundForm, field_names
from matchmaker.matching import recommend as rec
from matchmaker.models import Fund
from matchmaker.views import can_edit, get_or_404, save_form

bp = Blueprint("funds", __name__, url_prefix="/funds")
FIELDS = field_names(FundForm)


@bp.get("/<int:fid>")
@roles_required("startup", "fund", "scenario_owner", "organiser")
def detail(fid: int):
    f = get_or_404(Fund, fid)
    matches = [ws.redact_match(current_user, m) for m in rec.startups_for_fund(f, top=10)]
    return render_template("funds/detail.html", f=f, matches=matches)


@bp.route("/new", methods=["GET", "POST"])
@roles_required("fund")
def create():
    form = FundForm()
    if form.validate_on_submit():
        f = Fund(manager_id=current_user.id, name=form.name.data)
        save_form("fund", form, f, FIELDS)
        flash(_("Fund saved. Its deal flow is ranked below."))
        return redirect(url_for("funds.detail", fid=f.id))
    return render_template("funds/form.html", form=form, f=None), 400 if form.errors else 200


@bp.route("/<int:fid>/edit", methods=["GET", "POST"])
@roles_required("fund")
def edit(fid: int):
    f = get_or_404(Fund, fid)
    if not can_edit(f):
        abort(403)
    form = FundForm(obj=f)
    if form.validate_on_submit():
        save_form("fund", form, f, FIELDS)
        flash(_("Fund saved. Its deal flow is ranked below."))
        return redirect(url_for("funds.detail", fid=f.id))
    return render_template("funds/form.html", form=form, f=f), 400 if form.errors else 200
