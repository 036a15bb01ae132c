"""flask import KIND FILE: validated, all-or-nothing bulk import from CSV, XLSX or JSONL, with a progress bar."""
from __future__ import annotations

import os
import sys
import time

import click
from flask.cli import with_appcontext

from matchmaker.importers import KIND_NAMES, ImportError_, import_file, limit

PHASES = {"read": "reading", "validate": "validating", "write": "writing", "encode": "encoding", "index": "indexing"}


class _Bars:
    """One click progress bar per import phase, fed by the importer's progress callback."""

    def __init__(self, quiet: bool):
        self.quiet, self.phase, self.bar, self.done = quiet, None, None, 0

    def __call__(self, phase: str, done: int, total: int) -> None:
        if self.quiet:
            return
        if phase != self.phase:
            self.close()
            self.phase, self.done = phase, 0
            self.bar = click.progressbar(length=max(total, 1), label=f"{PHASES.get(phase, phase):<10}",
                                         file=sys.stderr, show_pos=True)
            self.bar.__enter__()
        self.bar.update(max(done - self.done, 0))
        self.done = max(done, self.done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@click.command("import")
@click.argument("kind", type=click.Choice(sorted(KIND_NAMES)))
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="validate only; write nothing")
@click.option("--quiet", is_flag=True, help="no progress bars")
@with_appcontext
def import_cmd(kind: str, file: str, dry_run: bool, quiet: bool):
    """Import startups, scenarios or funds from a .csv, .xlsx or .jsonl file (all rows or none)."""
    size = os.path.getsize(file)
    if size > limit("MAX_BYTES"):  # refuse before reading a huge file into memory
        raise click.ClickException(f"file is {size / 1048576:.1f} MB; the limit is "
                                   f"{limit('MAX_BYTES') / 1048576:.1f} MB")
    with open(file, "rb") as f:
        data = f.read()
    bars, t = _Bars(quiet), time.perf_counter()
    try:
        result = import_file(kind, os.path.basename(file), data, progress=bars, dry_run=dry_run)
    except ImportError_ as exc:
        bars.close()
        for line in exc.messages[:50]:
            click.echo(line, err=True)
        more = f" (first 50 of {len(exc.errors)} shown)" if len(exc.errors) > 50 else ""
        raise click.ClickException(f"import rejected, nothing was written{more}") from None
    bars.close()
    verb = "would create" if dry_run else "created"
    click.echo(f"{kind}: {verb} {result.created}, updated {result.updated}, unchanged {result.unchanged} "
               f"in {time.perf_counter() - t:.1f}s" + (" (dry run: nothing written)" if dry_run else ""))
