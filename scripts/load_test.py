"""Load test: concurrent users log in, then loop over the dashboard, a startup page, a scenario page and a
recommend call, for a fixed time; reports requests per second, p50/p99 latency and errors.

    .venv/bin/python scripts/load_test.py --url http://127.0.0.1:8000 --users 100 --seconds 60

Loopback only; stops by itself. Each user is a thread with its own keep-alive connection and session, bound
to its own 127.0.x.y source address, so the per-address login rate limit sees 100 clients as it would in
production. --check-visibility then edits the demo startup through one connection and reads a scenario's
ranking back through fresh connections (other workers), and restores the profile.
"""
from __future__ import annotations

import argparse
import html
import http.client
import json
import random
import re
import sys
import threading
import time
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

PASSWORD = "demo-pass-2026"
EMAILS = ["startup@demo.cn", "fund@demo.cn", "owner@demo.cn", "organiser@demo.cn"]
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
MATCH_IDS = re.compile(r'class="match" data-id="(\d+)"')


class Client:
    """One user: a keep-alive HTTP connection and a cookie jar."""

    def __init__(self, host: str, port: int, source: str | None = None, cookies: dict | None = None):
        self.host, self.port = host, port
        self.source = (source, 0) if source else None
        self.cookies, self.conn, self.last_pid = dict(cookies or {}), None, None

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        """Send one request (reconnecting once if the server closed an idle connection)."""
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = urlencode(form, doseq=True) if form is not None else None
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120, source_address=self.source)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if attempt == 2:
                    raise
        for k, v in resp.getheaders():
            if k.lower() == "set-cookie":
                name, _, rest = v.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        self.last_pid = resp.getheader("X-Worker-Pid")
        if (resp.getheader("Connection") or "").lower() == "close":
            self.close()
        return resp.status, data.decode("utf-8", "replace")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def login(self, email: str) -> None:
        """Log in through the form (CSRF token included); raises on failure."""
        _, page = self.request("GET", "/auth/login")
        m = CSRF.search(page)
        status, _ = self.request("POST", "/auth/login", {"email": email, "password": PASSWORD,
                                                          "csrf_token": (m.group(1) or m.group(2)) if m else ""})
        if status != 302:
            raise RuntimeError(f"login as {email}: HTTP {status}")


def _source(i: int) -> str:
    return f"127.0.{1 + i // 250}.{1 + i % 250}"


def discover(host: str, port: int) -> dict:
    """Startup and scenario ids from the organiser's dashboard, and whether the JSON API answers."""
    c = Client(host, port, _source(999))
    c.login("organiser@demo.cn")
    _, page = c.request("GET", "/dashboard")
    ids = {k: sorted({int(x) for x in re.findall(rf'href="/{k}/(\d+)"', page)}) for k in ("startups", "scenarios")}
    if not ids["startups"] or not ids["scenarios"]:
        sys.exit("no startups or scenarios on the organiser's dashboard: seed the demo first")
    status, _ = c.request("GET", f"/api/recommend/startups-for-scenario/{ids['scenarios'][0]}?top=10")
    ids["api"] = status == 200
    return ids


def user(i: int, host: str, port: int, ids: dict, deadline: float, think: float, out: list) -> None:
    """Log in, then loop over the pages until the deadline; record (label, seconds, error) per request."""
    rng, c = random.Random(i), Client(host, port, _source(i))

    def hit(label: str, path: str) -> None:
        t = time.perf_counter()
        try:
            status, _ = c.request("GET", path)
            err = None if status == 200 else f"HTTP {status}"
        except Exception as exc:  # a load test counts failures, it does not stop on them
            err = type(exc).__name__
            c.close()
        out.append((label, time.perf_counter() - t, err))

    t = time.perf_counter()
    try:
        c.login(EMAILS[i % len(EMAILS)])
        out.append(("log in (form + post)", time.perf_counter() - t, None))
    except Exception as exc:
        out.append(("log in (form + post)", time.perf_counter() - t, str(exc)[:80]))
        return
    while time.monotonic() < deadline:
        sc = rng.choice(ids["scenarios"])
        steps = [("dashboard", "/dashboard"), ("startup page", f"/startups/{rng.choice(ids['startups'])}"),
                 ("scenario page", f"/scenarios/{sc}")]
        if ids["api"]:
            steps.append(("recommend (JSON)", f"/api/recommend/startups-for-scenario/{sc}?top=10"))
        for label, path in steps:
            if time.monotonic() >= deadline:  # no new request after the deadline
                break
            hit(label, path)
        if think:
            time.sleep(rng.uniform(0, 2 * think))
    c.close()


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else float("nan")


def report(records: list, elapsed: float) -> dict:
    """Requests per second, p50 and p99 latency (ms) and errors, per label and overall."""
    rows = {}
    for label in sorted({r[0] for r in records}) + ["ALL"]:
        rs = [r for r in records if label in ("ALL", r[0])]
        lat = [r[1] * 1000 for r in rs]
        errs = [r[2] for r in rs if r[2]]
        rows[label] = {"requests": len(rs), "rps": round(len(rs) / elapsed, 1), "p50_ms": round(pct(lat, 50), 1),
                       "p99_ms": round(pct(lat, 99), 1), "errors": len(errs),
                       "error_kinds": sorted(set(errs))[:5]}
    return rows


class _Form(HTMLParser):
    """The fields of the first POST form on a page (inputs, textareas, selected options)."""

    def __init__(self):
        super().__init__()
        self.fields, self._textarea, self._select = {}, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name") and a.get("type") not in ("submit", "checkbox"):
            self.fields[a["name"]] = a.get("value") or ""
        elif tag == "input" and a.get("type") == "checkbox" and "checked" in a:
            self.fields[a["name"]] = a.get("value") or "y"
        elif tag == "textarea":
            self._textarea = a.get("name")
            self.fields[self._textarea] = ""
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        self._textarea = None if tag == "textarea" else self._textarea
        self._select = None if tag == "select" else self._select

    def handle_data(self, data):
        if self._textarea:
            self.fields[self._textarea] += data


def check_visibility(host: str, port: int, ids: dict, reads: int = 24) -> dict:
    """Edit the demo startup through one connection; every fresh connection must then rank it first."""
    c = Client(host, port, _source(998))
    c.login("startup@demo.cn")
    _, dash = c.request("GET", "/dashboard")
    sid = next(int(x) for x in re.findall(r'href="/startups/(\d+)', dash)
               if c.request("GET", f"/startups/{x}/edit")[0] == 200)
    for scid in ids["scenarios"]:  # a scenario this startup is not yet ranked for
        _, page = c.request("GET", f"/scenarios/{scid}")
        if sid not in [int(x) for x in MATCH_IDS.findall(page)[:10]] and "<h1>" in page:
            break
    title = html.unescape(re.sub(r"<[^>]+>", " ", re.search(r"<h1>(.*?)</h1>", page, re.S).group(1))).strip()
    reqs = [html.unescape(re.sub(r"<[^>]+>", "", x)).strip()
            for x in re.findall(r"<li>(.*?)</li>", page.split("</dl>", 1)[-1].split("<h2>", 1)[0], re.S)]
    parser = _Form()
    parser.feed(c.request("GET", f"/startups/{sid}/edit")[1])
    original = dict(parser.fields)
    edited = dict(original, one_liner=title[:400], description=title + ". " + " ".join(reqs),
                  products="\n".join(reqs))
    status, _ = c.request("POST", f"/startups/{sid}/edit", edited)
    edit_pid = c.last_pid
    seen, pids = 0, set()
    for n in range(reads):
        r = Client(host, port, _source(900 + n), cookies=c.cookies)  # a fresh connection: any worker
        _, page = r.request("GET", f"/scenarios/{scid}")
        seen += sid in [int(x) for x in MATCH_IDS.findall(page)[:3]]
        pids.add(r.last_pid)
        r.close()
    restored = c.request("POST", f"/startups/{sid}/edit", original)[0]
    return {"startup": sid, "scenario": scid, "edit_status": status, "edited_via_worker": edit_pid,
            "reads_with_startup_in_top3": f"{seen}/{reads}", "read_workers": sorted(p for p in pids if p),
            "restore_status": restored}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", default="http://127.0.0.1:8000")
    ap.add_argument("--users", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--think", type=float, default=0.0, help="mean think time between page loops, seconds")
    ap.add_argument("--check-visibility", action="store_true", help="edit through one worker, read through others")
    ap.add_argument("--json", help="also write the report to this file")
    args = ap.parse_args()
    u = urlsplit(args.url)
    if u.hostname not in ("127.0.0.1", "localhost") or u.scheme != "http":
        sys.exit("loopback http only (http://127.0.0.1:PORT)")
    host, port = "127.0.0.1", u.port or 80
    ids = discover(host, port)
    records: list = []
    outs = [[] for _ in range(args.users)]
    start = time.monotonic()
    deadline = start + args.seconds
    threads = [threading.Thread(target=user, args=(i, host, port, ids, deadline, args.think, outs[i]), daemon=True)
               for i in range(args.users)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(0.0, deadline - time.monotonic()) + 150)
    elapsed = time.monotonic() - start
    for o in outs:
        records += o
    result = {"url": args.url, "users": args.users, "seconds": round(elapsed, 1), "think": args.think,
              "json_api": ids["api"], "by_page": report(records, elapsed)}
    if args.check_visibility:
        result["visibility"] = check_visibility(host, port, ids)
    print(f"{args.users} users, {elapsed:.1f} s against {args.url}")
    print(f"{'page':<22}{'requests':>9}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for label, r in result["by_page"].items():
        print(f"{label:<22}{r['requests']:>9}{r['rps']:>8}{r['p50_ms']:>9}{r['p99_ms']:>9}{r['errors']:>8}"
              + (f"  {r['error_kinds']}" if r["errors"] else ""))
    if "visibility" in result:
        print("visibility:", json.dumps(result["visibility"]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
