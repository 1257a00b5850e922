"""Mixed load on a served Palisade, started the way docs/deploy.md says (locust, headless).

    .venv/bin/python bench/load.py                       # SQLite, one gunicorn, one worker
    .venv/bin/python bench/load.py --topology two-hosts  # PostgreSQL + Redis, two gunicorn, one worker
    options: --users 50 --duration 60 --database-url postgresql+psycopg://postgres@127.0.0.1/bench

The demo data is loaded into a fresh database; each simulated partner signs in as a demo account (not the
admin, who needs a second factor) and, per second of thinking time, reads pages (70 %), posts a note on a
task it may update (20 %) or downloads a PDF (10 %). With two hosts each user picks one at random per
request: sessions must hold on either. At the end: requests/s, errors, percentiles per class, conflicts
(409: another writer was first, the user is told) and lost writes (accepted notes missing from the
database). Baseline: /healthz throughput over the same run's server.
"""
import argparse
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PASSWORD = "palisade-demo-passphrase"
ACCOUNTS = ["coordinator@niro.example.gov", "analyst@niro.example.gov", "director@niro.example.gov",
            "coordinator@riverbend.example.com", "ops@riverbend.example.com", "ceo@riverbend.example.com",
            "coordinator@northgrid.example.com", "security@northgrid.example.com", "noc@meridian.example.com",
            "coordinator@meridian.example.com", "liaison@ncis.example.se", "field@nds.example.com"]
READS = ["/", "/agreements/", "/initiatives/", "/working-groups/", "/tasks/", "/risks/", "/incident-plans/"]
PDFS = ["/risks/register.pdf", "/reports/executive.pdf"]
SELF = "(this page)"  # hidden_fields(html, SELF): the form that posts back to the page it is on
HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*>', re.I)


def hidden_fields(html: str, action_part: str) -> tuple[str, dict] | None:
    """The action and hidden fields of the first form whose action contains action_part."""
    for match in re.finditer(r'<form[^>]*action="([^"]*)"[^>]*>(.*?)</form>', html, re.S | re.I):
        # A form that posts back to its own page (action="") is found by its page's path.
        if action_part in match.group(1) or (match.group(1) == "" and action_part == SELF):
            fields = {}
            for tag in HIDDEN.findall(match.group(2)):
                name = re.search(r'name="([^"]+)"', tag)
                value = re.search(r'value="([^"]*)"', tag)
                if name:
                    fields[name.group(1)] = value.group(1) if value else ""
            return match.group(1).replace("&amp;", "&"), fields
    return None


def wait_for(url: str, seconds: float = 240) -> None:
    import urllib.request

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/auth/login", timeout=5)
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer")


def start_stack(args, env: dict, workdir: Path) -> tuple[list[subprocess.Popen], list[str]]:
    """Migrate, seed, then the web instances and one background worker, as docs/deploy.md does."""
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run(flask + ["db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run(flask + ["seed-demo", "--password", PASSWORD], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    hosts, processes = [], []
    log = open(workdir / "stack.log", "ab")
    instances = 2 if args.topology == "two-hosts" else 1
    for i in range(instances):
        port = args.port + i
        web_env = dict(env, GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_ACCESS_LOG="")
        if args.web_workers:
            web_env["WEB_CONCURRENCY"] = str(args.web_workers)
        processes.append(subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                                          cwd=ROOT, env=web_env, stdout=log, stderr=log, start_new_session=True))
        hosts.append(f"http://127.0.0.1:{port}")
    processes.append(subprocess.Popen(flask + ["worker"], cwd=ROOT, env=env, stdout=log, stderr=log,
                                      start_new_session=True))
    try:
        for host in hosts:
            wait_for(host)
    except BaseException:
        stop_stack(processes)
        raise
    return processes, hosts


def stop_stack(processes) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def run_load(hosts: list[str], users: int, duration: int, requests_csv: str = ""):
    import gevent
    from locust import HttpUser
    from locust import between
    from locust import task
    from locust.env import Environment

    accepted: list[str] = []
    conflicts = [0]
    signed_in_users = [0]

    class Partner(HttpUser):
        host = hosts[0]
        wait_time = between(0.5, 1.5)

        def url(self, path: str) -> str:
            return random.choice(hosts) + path

        def on_start(self):
            self.email = random.choice(ACCOUNTS)
            page = self.client.get(self.url("/auth/login"), name="sign-in")
            _, fields = hidden_fields(page.text, SELF)
            fields.update(email=self.email, password=PASSWORD)
            signed_in = self.client.post(self.url("/auth/login"), data=fields, name="sign-in")
            if "/auth/login" in signed_in.url:
                raise RuntimeError(f"{self.email} could not sign in")
            listing = self.client.get(self.url("/tasks/"), name="sign-in").text
            # (not self.tasks: that is locust's own list of this user's behaviours)
            self.my_tasks = sorted(set(re.findall(r'href="(/tasks/\d+)"', listing)))
            signed_in_users[0] += 1

        @task(7)
        def read(self):
            self.client.get(self.url(random.choice(READS)), name="read")

        @task(2)
        def write(self):
            if not self.my_tasks:
                return self.read()
            path = random.choice(self.my_tasks)
            page = self.client.get(self.url(path), name="read")
            form = hidden_fields(page.text, "/status")
            if form is None:
                return
            action, fields = form
            note = f"load {uuid.uuid4().hex}"
            fields.update(new_status="", status="", note=note)
            with self.client.post(self.url(action), data=fields, name="write", allow_redirects=False,
                                  catch_response=True) as answer:
                if answer.status_code in (302, 303):
                    accepted.append(note)
                    answer.success()
                elif answer.status_code == 409:  # another writer was first; the user sees the conflict page
                    conflicts[0] += 1
                    answer.success()
                else:
                    answer.failure(f"write answered {answer.status_code}")

        @task(1)
        def pdf(self):
            with self.client.get(self.url(random.choice(PDFS)), name="pdf", allow_redirects=False,
                                 catch_response=True) as answer:
                if answer.status_code in (200, 303):  # 303: rendering, follow the progress page
                    answer.success()

    # Steady state: the statistics restart once every user has signed in (the ramp-up is 5 s of password
    # hashing for 10 sign-ins a second, and the last ones finish after the last user is started), and
    # the load then runs for `duration` seconds. Accepted writes and conflicts count from the start.
    environment = Environment(user_classes=[Partner])
    if requests_csv:  # one row per request, to see when the slow ones happened
        out = open(requests_csv, "w")
        out.write("time,name,url,status,ms\n")
        started = time.time()

        @environment.events.request.add_listener
        def _log(request_type, name, response_time, response_length, response=None, exception=None, url="", **kw):
            status = getattr(response, "status_code", 0)
            out.write(f"{time.time() - started:.3f},{name},{url.split('?')[0]},{status},{response_time:.1f}\n")
    runner = environment.create_local_runner()
    runner.start(users, spawn_rate=max(1, users // 5))

    def measure():
        deadline = time.monotonic() + 120
        while signed_in_users[0] < users and time.monotonic() < deadline:
            gevent.sleep(0.1)
        if signed_in_users[0] < users:
            print(f"only {signed_in_users[0]} of {users} users signed in within 120 s")
        environment.stats.reset_all()
        gevent.sleep(duration)
        runner.quit()

    gevent.spawn(measure)
    runner.greenlet.join()
    return environment.stats, accepted, conflicts[0]


def baseline(host: str, seconds: float = 5) -> float:
    import urllib.request

    count, end = 0, time.monotonic() + seconds
    while time.monotonic() < end:
        urllib.request.urlopen(host + "/healthz", timeout=10).read()
        count += 1
    return count / seconds


def lost_writes(env: dict, notes: list[str]) -> int:
    import sqlalchemy as sa

    engine = sa.create_engine(env["DATABASE_URL"])
    with engine.connect() as connection:
        stored = set(connection.execute(sa.text("SELECT note FROM task_updates WHERE note LIKE 'load %'")).scalars())
    engine.dispose()
    return len(set(notes) - stored)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--topology", choices=["single", "two-hosts"], default="single")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=60)
    parser.add_argument("--web-workers", type=int, default=None,
                        help="gunicorn workers per instance (default: gunicorn.conf.py's, one per core, at least 2)")
    parser.add_argument("--port", type=int, default=8611)
    parser.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1/palisade_bench")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--requests-csv", default="", help="write every request (time, name, status, ms) here")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="palisade-load-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "REDIS_URL"))}
    env.update(SECRET_KEY="load-test-" + uuid.uuid4().hex, PYTHONPATH=str(ROOT), FLASK_DEBUG="0",
               LOGIN_FAILURE_IP_LIMIT="100000", LOGIN_FAILURE_LIMIT="100000",
               # 50 simulated partners share 12 demo accounts: each account's PDF budget is shared 4 ways.
               PDF_RATE_LIMIT="120/minute")
    if args.topology == "two-hosts":
        import sqlalchemy as sa

        admin = sa.create_engine(args.database_url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
        name = args.database_url.rsplit("/", 1)[1]
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        subprocess.run(["redis-cli", "-u", args.redis_url, "FLUSHDB"], check=False, capture_output=True)
        env.update(DATABASE_URL=args.database_url, REDIS_URL=args.redis_url)
    else:
        env.update(DATABASE_URL=f"sqlite:///{workdir / 'palisade.sqlite'}",
                   HUEY_SQLITE_PATH=str(workdir / "huey.sqlite"))
    processes, hosts = start_stack(args, env, workdir)
    try:
        healthz = baseline(hosts[0])
        stats, accepted, conflicts = run_load(hosts, args.users, args.duration, args.requests_csv)
    finally:
        stop_stack(processes)
    total = stats.total
    print(f"\nMixed load: {args.users} users, {args.duration} s after all have signed in, {args.topology} "
          f"({len(hosts)} web instance(s) × {args.web_workers or max(2, os.cpu_count())} workers, 1 background worker)")
    print(f"  /healthz alone before the load: {healthz:,.0f} req/s (one client)")
    print(f"  throughput {total.total_rps:,.1f} req/s, {total.num_requests:,} requests, "
          f"{total.num_failures:,} errors")
    for name in ("read", "write", "pdf", "sign-in"):
        entry = stats.entries.get((name, "GET")) or stats.entries.get((name, "POST"))
        if entry and entry.num_requests:
            print(f"  {name:8s} n={entry.num_requests:6,d}  p50 {entry.get_response_time_percentile(0.5):6.0f} ms"
                  f"  p95 {entry.get_response_time_percentile(0.95):6.0f} ms"
                  f"  p99 {entry.get_response_time_percentile(0.99):6.0f} ms  errors {entry.num_failures}")
    print(f"  writes accepted {len(accepted):,}, conflicts (409, user told) {conflicts:,}, "
          f"lost writes {lost_writes(env, accepted)}")
    for error in list(stats.errors.values())[:10]:
        print(f"  error: {error.method} {error.name}: {error.error} × {error.occurrences}")
    read = stats.entries.get(("read", "GET"))
    if read and read.num_requests:
        from bench.goals import goal_table

        p95, errors, limit = read.get_response_time_percentile(0.95), total.num_failures, (
            200 if args.topology == "single" else 300)
        goal_table([("mixed-sqlite" if args.topology == "single" else "mixed-two-hosts",
                     f"reads p95 {p95:.0f} ms, {errors} errors ({total.total_rps:.1f} req/s)",
                     p95 < limit and errors == 0)])


if __name__ == "__main__":
    main()
