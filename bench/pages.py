"""HTTP throughput of Palisade pages against a bare endpoint of the same app, same server, same run.

Seeds a SQLite database with 10,000 agreements and 50,000 tasks (plus the demo organisations and
users), serves the app with gunicorn (2 workers, gunicorn.conf.py), signs in as a coordinator and measures with
wrk (or a small Python client when wrk is missing) for each URL: requests per second, latency
percentiles and the ratios to the bare endpoint and to `/healthz`; the goal is stated against the static file.
Each URL is measured --rounds times, round after round, and its median run counts: where wrk's keep-alive
connections fall on the two workers varies from run to run (all on one halves the throughput).

    .venv/bin/python bench/pages.py [--agreements 10000] [--tasks 50000] [--duration 10] [--rounds 3]

--in-process measures each page through the Flask test client instead (milliseconds and SQL statements per
request, bench/inprocess.py), on the demo data or, with --scale, on the demo data plus bulk data.
"""
import argparse
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from datetime import date
from datetime import timedelta
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WSGI_WRAPPER = '''
from app import create_app
from app.decorators import public

app = create_app()


@public
def bare():
    return "ok"


app.add_url_rule("/bench/bare", "bench_bare", bare)
'''


def seed(db_url: str, n_agreements: int, n_tasks: int) -> None:
    os.environ["DATABASE_URL"] = db_url
    import sqlalchemy as sa

    from app import create_app
    from app.demo.people import seed_people
    from app.extensions import db
    from app.models import TLP
    from app.models import Agreement
    from app.models import AgreementKind
    from app.models import AgreementParty
    from app.models import AgreementStatus
    from app.models import MemberRole
    from app.models import Task
    from app.models import TaskPriority
    from app.models import TaskStatus
    from app.models import WorkingGroup
    from app.models import WorkingGroupMember
    from config import Config

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = db_url

    app = create_app(BenchConfig)
    rng = random.Random(7)
    with app.app_context():
        db.create_all()
        people = seed_people("palisade-demo-passphrase")
        db.session.commit()
        orgs = list(people.orgs.values())
        users = list(people.users.values())
        coordinator = people.user("coordinator@niro.example.gov")
        tlps = [TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED]
        now = date.today()
        agreements, parties = [], []
        for i in range(1, n_agreements + 1):
            owner = rng.choice(orgs)
            agreements.append(dict(
                id=i, reference=f"AGR-2026-{i:05d}", title=f"Agreement {i} on {rng.choice(['water', 'grid', 'telecom'])} resilience",
                kind=rng.choice(list(AgreementKind)).value, status=rng.choice(list(AgreementStatus)).value,
                tlp=rng.choice(tlps).value, summary="Benchmark agreement.", terms="## Purpose\nBenchmark.",
                sectors=["energy"], effective_date=now - timedelta(days=rng.randint(0, 700)),
                expiry_date=now + timedelta(days=rng.randint(-100, 900)), notice_days=30, auto_renew=False,
                owner_organization_id=owner.id, created_by_id=coordinator.id, version=1,
                created_at=sa.func.now(), updated_at=sa.func.now()))
            for position, org in enumerate(rng.sample(orgs, 2)):
                parties.append(dict(agreement_id=i, organization_id=org.id, party_role="partner",
                                    signatory_name="", signatory_title="", signatory_email="", position=position))
        db.session.execute(sa.insert(Agreement.__table__), [
            {k: v for k, v in row.items() if k not in ("created_at", "updated_at")} for row in agreements])
        db.session.execute(sa.insert(AgreementParty.__table__), parties)
        n_groups = max(1, n_tasks // 100)
        groups = [dict(id=g, reference=f"WG-2026-{g:04d}", name=f"Working group {g}", charter="", tlp=rng.choice(tlps).value,
                       status="active", owner_organization_id=rng.choice(orgs).id, created_by_id=coordinator.id,
                       version=1) for g in range(1, n_groups + 1)]
        db.session.execute(sa.insert(WorkingGroup.__table__), groups)
        members = []
        for g in groups:
            for u in rng.sample(users, 4):
                members.append(dict(working_group_id=g["id"], user_id=u.id, role=MemberRole.MEMBER.value))
        db.session.execute(sa.insert(WorkingGroupMember.__table__), members)
        tasks = []
        for t in range(1, n_tasks + 1):
            g = groups[(t - 1) % n_groups]
            tasks.append(dict(working_group_id=g["id"], title=f"Task {t}", description="",
                              assignee_id=rng.choice(users).id, due_date=now + timedelta(days=rng.randint(-30, 90)),
                              priority=rng.choice(list(TaskPriority)).value, status=rng.choice(list(TaskStatus)).value,
                              created_by_id=coordinator.id, version=1))
        for start in range(0, len(tasks), 5000):
            db.session.execute(sa.insert(Task.__table__), tasks[start:start + 5000])
        db.session.commit()
        sample_id = db.session.scalar(sa.select(Agreement.id).where(Agreement.tlp == TLP.GREEN).limit(1))
    return sample_id


def sign_in(base: str) -> str:
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(f"{base}/auth/login").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    data = urllib.parse.urlencode({"csrf_token": token, "email": "coordinator@niro.example.gov",
                                   "password": "palisade-demo-passphrase"}).encode()
    opener.open(f"{base}/auth/login", data=data)
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def run_wrk(url: str, cookie: str, duration: int) -> dict:
    out = subprocess.run(["wrk", "-t2", "-c8", f"-d{duration}s", "--latency", "-H", f"Cookie: {cookie}", url],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    pct = {}
    for label in ("50%", "90%", "99%"):
        match = re.search(rf"\s{re.escape(label)}\s+([\d.]+)(us|ms|s)", out)
        value, unit = float(match.group(1)), match.group(2)
        pct[label] = value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, **pct, "errors": int(non2xx.group(1)) if non2xx else 0}


def run_python(url: str, cookie: str, duration: int) -> dict:
    import http.client
    import statistics
    import threading

    parts = urllib.parse.urlsplit(url)
    latencies, errors, stop = [], [0], time.time() + duration

    def worker():
        conn = http.client.HTTPConnection(parts.hostname, parts.port)
        while time.time() < stop:
            started = time.perf_counter()
            conn.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""), headers={"Cookie": cookie})
            response = conn.getresponse()
            response.read()
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status >= 400:
                errors[0] += 1

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    q = statistics.quantiles(latencies, n=100)
    return {"rps": len(latencies) / duration, "50%": q[49], "90%": q[89], "99%": q[98], "errors": errors[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agreements", type=int, default=10_000)
    parser.add_argument("--tasks", type=int, default=50_000)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3,
                        help="measure every URL this many times, round after round; the median run counts")
    parser.add_argument("--port", type=int, default=5099)
    parser.add_argument("--in-process", action="store_true", help="Flask test client: ms and SQL statements")
    parser.add_argument("--scale", action="store_true", help="with --in-process: add the bulk data (bench/scale.py)")
    parser.add_argument("--requests", type=int, default=20, help="with --in-process: requests per page")
    parser.add_argument("--user", default="coordinator@niro.example.gov", help="with --in-process: who signs in")
    parser.add_argument("--database", default="", help="with --in-process: an existing database (no seeding)")
    parser.add_argument("--profile", default="", help="with --in-process: cProfile this path instead")
    parser.add_argument("pages", nargs="*", help="with --in-process: the paths to measure (default: every list)")
    args = parser.parse_args()
    if args.in_process:
        from bench.inprocess import run

        run(args)
        return

    workdir = Path(tempfile.mkdtemp(prefix="palisade-bench-"))
    db_url = f"sqlite:///{workdir / 'bench.sqlite'}"
    started = time.time()
    sample_id = seed(db_url, args.agreements, args.tasks)
    print(f"seeded {args.agreements} agreements and {args.tasks} tasks in {time.time() - started:.1f} s")
    (workdir / "bench_wsgi.py").write_text(WSGI_WRAPPER)
    # gunicorn reads gunicorn.conf.py in --chdir (threaded workers, as deployed); no access log here.
    env = {**os.environ, "DATABASE_URL": db_url, "PYTHONPATH": f"{workdir}:{ROOT}", "LOG_LEVEL": "WARNING",
           "GUNICORN_ACCESS_LOG": ""}
    gunicorn = [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{args.port}", "--chdir", str(ROOT),
                "--log-level", "warning", "bench_wsgi:app"]
    server = subprocess.Popen(gunicorn, env=env)
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(50):
            try:
                urllib.request.urlopen(f"{base}/healthz")
                break
            except OSError:
                time.sleep(0.2)
        cookie = sign_in(base)
        measure = run_wrk if shutil.which("wrk") else run_python
        urls = [("bare endpoint", "/bench/bare"), ("static file", "/static/img/favicon.svg"), ("/healthz", "/healthz"),
                ("dashboard", "/"),
                ("agreements list (20 rows)", "/agreements/"),
                ("agreements list (100 rows)", "/agreements/?per_page=100"),
                ("my tasks", "/tasks/?scope=all"),
                ("agreement detail", f"/agreements/{sample_id}")]
        print(f"tool: {'wrk -t2 -c8' if measure is run_wrk else 'python, 8 threads'}; gunicorn 2 workers (gunicorn.conf.py); "
              f"{args.duration} s per URL, {args.rounds} rounds (the median run of each URL)")
        # One run is one draw of how the client's keep-alive connections fell on the two workers (all on one of
        # them halves the throughput): rounds of every URL in turn, and the median run of each.
        runs = {path: [] for _, path in urls}
        for _ in range(args.rounds):
            for _, path in urls:
                runs[path].append(measure(base + path, cookie, args.duration))
        print(f"{'page':30} {'req/s':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'non-2xx':>8} {'vs bare':>8} "
              f"{'vs healthz':>10}  runs req/s")
        rps = {}
        for label, path in urls:
            ordered = sorted(runs[path], key=lambda run: run["rps"])
            result = ordered[len(ordered) // 2]
            result["errors"] = sum(run["errors"] for run in ordered)
            rps[path] = result["rps"]
            print(f"{label:30} {result['rps']:8.1f} {result['50%']:8.1f} {result['90%']:8.1f} {result['99%']:8.1f} "
                  f"{result['errors']:8d} {result['rps'] / rps['/bench/bare']:8.2f} "
                  f"{result['rps'] / rps.get('/healthz', result['rps']):10.2f}  "
                  + " ".join(f"{run['rps']:.0f}" for run in runs[path]))
        from bench.goals import goal_table

        ratio = rps["/agreements/"] / rps["/static/img/favicon.svg"]
        goal_table([("served", f"{ratio:.3f} ({rps['/agreements/']:.1f} ÷ {rps['/static/img/favicon.svg']:.1f} req/s; "
                               f"÷ bare endpoint {rps['/agreements/'] / rps['/bench/bare']:.3f})", ratio >= 0.10)])
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
