"""Scenarios: detail with ranked solvers and evidence, create, edit."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from matchmaker.auth import roles_required
from matchmaker.forms import ScenarioForm, field_names
from matchmaker.matching import recommend as rec
from matchmaker.models import Scenario
from matchmaker.views import can_edit, get_or_404, save_form

bp = Blueprint("scenarios", __name__, url_prefix="/scenarios")
FIELDS = field_names(ScenarioForm)


def _visible(sc: Scenario) -> bool:
    """Drafts are seen only by their owner and admins."""
    return sc.status != "draft" or can_edit(sc)


@bp.get("/<int:scid>")
@roles_required("startup", "fund", "scenario_owner", "organiser")
def detail(scid: int):
    sc = get_or_404(Scenario, scid)
    if not _visible(sc):
        abort(404)
    return render_template("scenarios/detail.html", sc=sc, matches=rec.startups_for_scenario(sc, top=10))


@bp.route("/new", methods=["GET", "POST"])
@roles_required("scenario_owner")
def create():
    form = ScenarioForm()
    if form.validate_on_submit():
        sc = Scenario(owner_id=current_user.id, title=form.title.data)
        save_form("scenario", form, sc, FIELDS)
        flash(_("Scenario saved. Its solvers are ranked below."))
        return redirect(url_for("scenarios.detail", scid=sc.id))
    return render_template("scenarios/form.html", form=form, sc=None), 400 if form.errors else 200


@bp.route("/<int:scid>/edit", methods=["GET", "POST"])
@roles_required("scenario_owner")
def edit(scid: int):
    sc = get_or_404(Scenario, scid)
    if not can_edit(sc):
        abort(403)
    form = ScenarioForm(obj=sc)
    if form.validate_on_submit():
        save_form("scenario", form, sc, FIELDS)
        flash(_("Scenario saved. Its solvers are ranked below."))
        return redirect(url_for("scenarios.detail", scid=sc.id))
    return render_template("scenarios/form.html", form=form, sc=sc), 400 if form.errors else 200
