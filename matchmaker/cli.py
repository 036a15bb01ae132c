"""flask commands: seed-demo, reindex, recommend."""
from __future__ import annotations

import json
import time

import click
from flask.cli import with_appcontext

from matchmaker.db import db
from matchmaker.models import KINDS

KIND_OF_DIRECTION = {"startups-for-scenario": "scenario", "scenarios-for-startup": "startup",
                     "funds-for-startup": "startup", "startups-for-fund": "fund"}


@click.command("seed-demo")
@with_appcontext
def seed_demo_cmd():
    """Load the demo ecosystem and logins (idempotent)."""
    from matchmaker.demo import DEMO_PASSWORD, DEMO_USERS, seed_demo

    t = time.perf_counter()
    counts = seed_demo()
    click.echo(f"demo loaded: {counts} in {time.perf_counter() - t:.1f}s")
    click.echo(f"demo logins (password {DEMO_PASSWORD}): " + ", ".join(f"{e} [{r}]" for e, _, r in DEMO_USERS))


@click.command("reindex")
@with_appcontext
def reindex_cmd():
    """Rebuild every FAISS index from the database."""
    from matchmaker.matching import store

    for kind in KINDS:
        t = time.perf_counter()
        index = store.rebuild(kind)
        click.echo(f"{kind}: {len(index)} vectors ({index.model}) in {time.perf_counter() - t:.1f}s "
                   f"-> {store.index_path(kind)}")
    t = time.perf_counter()
    n = warm_evidence()
    click.echo(f"evidence sentences cached: {n} in {time.perf_counter() - t:.1f}s")


def warm_evidence() -> int:
    """Embed every sentence that evidence tables compare, so the first page view does not."""
    from matchmaker.matching import profiles, vectors
    from matchmaker.models import Fund, Scenario, Startup

    texts: list[str] = []
    for st in db.session.execute(db.select(Startup)).scalars():
        texts += profiles.startup_sentences(st)
    for sc in db.session.execute(db.select(Scenario)).scalars():
        texts += profiles.scenario_statements(sc)
    for f in db.session.execute(db.select(Fund)).scalars():
        texts += profiles.mandate_statements(f)
    texts = list(dict.fromkeys(texts))
    for i in range(0, len(texts), 2000):
        vectors.embed(texts[i:i + 2000])
    return len(texts)


@click.command("recommend")
@click.argument("direction", type=click.Choice(list(KIND_OF_DIRECTION)))
@click.argument("record_id", type=int)
@click.option("--top", default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="print a JSON list")
@with_appcontext
def recommend_cmd(direction, record_id, top, as_json):
    """Ranked, explained recommendations for one record."""
    from matchmaker.matching.recommend import recommend

    record = db.session.get(KINDS[KIND_OF_DIRECTION[direction]], record_id)
    if record is None:
        raise click.ClickException(f"no {KIND_OF_DIRECTION[direction]} with id {record_id}")
    matches = recommend(direction, record, top=top)
    if as_json:
        keep = ("id", "name", "score", "parts", "reasons", "evidence")
        click.echo(json.dumps([{k: m.to_dict()[k] for k in keep} for m in matches], ensure_ascii=False, indent=1))
        return
    for n, m in enumerate(matches, 1):
        click.echo(f"{n:2d}. {m.score:+.3f}  #{m.id} {m.name}")
        for r in m.reasons:
            click.echo(f"      - {r}")


def init_app(app) -> None:
    from matchmaker.events import event_cli
    from matchmaker.import_cli import import_cmd

    for cmd in (seed_demo_cmd, reindex_cmd, recommend_cmd, event_cli):
        app.cli.add_command(cmd)
    app.cli.add_command(import_cmd)
