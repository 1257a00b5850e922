"""In-process cost of Palisade's pages: milliseconds per request and SQL statements per request.

Seeds the demo data into a new SQLite database (or uses DATABASE_URL's PostgreSQL database with --database),
optionally adds bulk data (--scale: 10,000 agreements, 50,000 tasks, 100,000 audit events and 1,000
notifications for the signed-in user), then signs in through the Flask test client and requests each page
--requests times after two warm-up requests. Prints the median and p90 milliseconds and the statements each
request ran (the same for every request of a page, or the range).

    .venv/bin/python bench/pages.py --in-process [--scale] [--requests 20] [--user coordinator@niro.example.gov]
    .venv/bin/python bench/pages.py --in-process --profile /agreements/   # cProfile of one page, top 30
"""
import cProfile
import gc
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = ["/", "/agreements/", "/risks/", "/inbox/", "/tasks/", "/initiatives/", "/working-groups/",
         "/incident-plans/", "/notifications/", "/incidents/", "/advisories/", "/exercises/", "/corrective-actions/",
         "/sharing/", "/exercises/programme"]
USER = "coordinator@niro.example.gov"


def make_app(db_url: str):
    os.environ["DATABASE_URL"] = db_url
    from app import create_app
    from config import Config

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = db_url
        WTF_CSRF_ENABLED = False
        RATELIMIT_ENABLED = False

    return create_app(BenchConfig)


def seed_demo(app) -> None:
    from app.demo import DEFAULT_PASSWORD
    from app.demo import seed_demo as run
    from app.extensions import db

    with app.app_context():
        db.create_all()
        run(DEFAULT_PASSWORD)
        db.session.commit()


def client_for(app, email: str):
    from app.extensions import db
    from app.models import User
    from app.models import utcnow

    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        user_id = user.get_id()
    client = app.test_client()
    now = utcnow().timestamp()
    with client.session_transaction() as session:
        session.update({"_user_id": user_id, "_fresh": True, "started_at": now, "seen_at": now, "fresh_at": now})
        session.permanent = True
    return client


class StatementCounter:
    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def __call__(self, *_args):
        self.count += 1

    def __enter__(self):
        self.count = 0
        sa.event.listen(self.engine, "before_cursor_execute", self)
        return self

    def __exit__(self, *_exc):
        sa.event.remove(self.engine, "before_cursor_execute", self)


def measure(app, client, path: str, requests: int) -> dict:
    from app.extensions import db

    with app.app_context():
        engine = db.engine
    for _ in range(2):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    times, cpu, counts = [], [], []
    counter = StatementCounter(engine)
    for _ in range(requests):
        with counter:
            started, started_cpu = time.perf_counter(), time.process_time()
            client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        counts.append(counter.count)
    times.sort()
    return {"median": statistics.median(times), "p90": times[int(len(times) * 0.9) - 1],
            "cpu": statistics.median(cpu), "statements": (min(counts), max(counts))}


def profile(app, client, path: str, requests: int) -> None:
    client.get(path)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        client.get(path)
    profiler.disable()
    stats = pstats.Stats(profiler).sort_stats("cumulative")
    stats.print_stats(40)
    stats.sort_stats("tottime").print_stats(25)


def run(args) -> None:
    if args.database:
        db_url = args.database
    else:
        workdir = Path(tempfile.mkdtemp(prefix="palisade-inprocess-"))
        db_url = f"sqlite:///{workdir / 'bench.sqlite'}"
    app = make_app(db_url)
    started = time.time()
    if not args.database:
        seed_demo(app)
        if args.scale:
            from bench.scale import seed_scale

            with app.app_context():
                added = seed_scale(args.user)
            print("added " + ", ".join(f"{n:,} {name}" for name, n in added.items()))
    print(f"database ready in {time.time() - started:.1f} s ({'scaled' if args.scale else 'demo data'})")
    client = client_for(app, args.user)
    # As gunicorn.conf.py's post_worker_init: compiled templates, then what lives as long as the worker frozen
    # (full collections skip it; without this, the seeding's leftovers make every page pay for long ones).
    from app.template_helpers import compile_templates

    with app.app_context():
        compile_templates()
    gc.collect()
    gc.freeze()
    if args.profile:
        profile(app, client, args.profile, args.requests)
        return
    print(f"in-process, Flask test client, {args.user}, {args.requests} requests after 2 warm-up; load {os.getloadavg()[0]:.2f}")
    # CPU ms: this process's own CPU time per request (SQLite runs in it too), which other processes on a busy
    # machine do not inflate the way they do the wall-clock figures.
    print(f"{'page':22} {'median ms':>10} {'p90 ms':>8} {'CPU ms':>8} {'statements':>11}")
    results = {}
    for path in args.pages or PAGES:
        result = results[path] = measure(app, client, path, args.requests)
        low, high = result["statements"]
        print(f"{path:22} {result['median']:10.1f} {result['p90']:8.1f} {result['cpu']:8.1f} "
              f"{low if low == high else f'{low}-{high}':>11}")
    lists = {path: result for path, result in results.items() if path != "/"}
    if "/" in results and lists:
        from bench.goals import goal_table

        slowest = max(lists, key=lambda path: lists[path]["median"])
        list_ms, dashboard_ms = lists[slowest]["median"], results["/"]["median"]
        list_cpu, dashboard_cpu = lists[slowest]["cpu"], results["/"]["cpu"]
        list_sql = max(result["statements"][1] for result in lists.values())
        dashboard_sql = results["/"]["statements"][1]
        goal_table([
            ("in-process", f"{list_ms:.1f} ms ({slowest}) / {dashboard_ms:.1f} ms; CPU {list_cpu:.1f} / "
             f"{dashboard_cpu:.1f} ms", list_ms <= 6 and dashboard_ms <= 15),
            ("statements", f"{list_sql} / {dashboard_sql} ({'scaled' if args.scale else 'demo'} data)",
             list_sql <= 8 and dashboard_sql <= 12)])
