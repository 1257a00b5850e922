"""Documents off the web workers, rendered once, renderer warm at start: measured on a served Palisade.

Starts the stack of docs/deploy.md on the demo data (gunicorn -c gunicorn.conf.py with its own worker count, one
background worker, SQLite) and prints, each against a baseline from the same run:
  1. first PDF after start ÷ the same document rendered again warm (initiative status reports: over three
     starts, each start's first download; then each of those three documents again on a running stack, its
     cached copy removed first, so it renders again; each download after a quiet second like the first, so
     that both wait the same for the idle queue's next poll);
  2. second download of an unchanged executive report ÷ the first (render cache);
  3. list page p99 while 4 clients download PDFs ÷ p99 idle; done for PDFs that the cache can serve, and
     for PDFs that must all be rendered (PDF_CACHE_MAX_AGE_HOURS=0: nothing is kept for the next reader).
     The goal rows: 4 readers of 4 organisations, each downloading their executive report and risk register as
     often as the default PDF_RATE_LIMIT lets one reader (30 a minute), back to back when a download takes
     longer than 2 s. Stress rows: the limit lifted, 4 clients of one reader back to back with no pause; a
     control row puts those 4 clients on two pages instead, which shows what that much load costs the list on
     this host whatever is asked for (clients with no pause saturate the host however cheap each request is).
     Idle and busy phases alternate five times and each side's samples are pooled (--samples per side), so
     that the host's drift over a run weighs on both; each client is a process of its own. Before the cached
     row each reader downloads her documents twice (known from then on); each reader comes to a busy phase at
     a moment of her own within her pace (BENCH_READERS_IN_STEP=1: all four at once, as before).

    .venv/bin/python bench/renders.py [--samples 1000]
    .venv/bin/python bench/renders.py --executive-only   # 2. alone, every download on a new connection
    .venv/bin/python bench/renders.py --storm-only       # 3. alone (one start per row set, no cold starts)
"""
import argparse
import functools
import multiprocessing
import os
import random
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urljoin

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.goals import goal_table  # noqa: E402
from bench.load import PASSWORD  # noqa: E402
from bench.load import SELF  # noqa: E402
from bench.load import hidden_fields  # noqa: E402
from bench.load import wait_for  # noqa: E402

ACCOUNT = "coordinator@niro.example.gov"


WEB_WORKERS = max(2, os.cpu_count())  # gunicorn.conf.py's default (docs/deploy.md); --web-workers sets another


def start(workdir: Path, port: int, **extra) -> list[subprocess.Popen]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(SECRET_KEY="bench-renders-secret-key-0123456789abcdef", PYTHONPATH=str(ROOT),
               DATABASE_URL=f"sqlite:///{workdir / 'palisade.sqlite'}", HUEY_SQLITE_PATH=str(workdir / "huey.sqlite"),
               GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_ACCESS_LOG="",
               LOGIN_FAILURE_IP_LIMIT="100000", PDF_RATE_LIMIT="10000/minute")
    env.update({k: str(v) for k, v in extra.items()}, WEB_CONCURRENCY=str(WEB_WORKERS))
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    if not (workdir / "palisade.sqlite").exists():
        subprocess.run(flask + ["db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
        subprocess.run(flask + ["seed-demo", "--password", PASSWORD], cwd=ROOT, env=env, check=True,
                       capture_output=True)
    log = open(workdir / "stack.log", "ab")
    offset = log.tell()  # the log is shared by every start in this folder: this start's lines come after
    processes = [subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT,
                                  env=env, stdout=log, stderr=log, start_new_session=True),
                 subprocess.Popen(flask + ["worker"], cwd=ROOT, env=env, stdout=log, stderr=log,
                                  start_new_session=True)]
    try:
        wait_for(f"http://127.0.0.1:{port}")
    except BaseException:
        stop(processes)
        raise
    # "After start" means once the stack is up: every web worker and the background worker have logged
    # their warm renderer (pdf_renderer_warm), and the background worker its warm document builds
    # (document_builds_warm, its last line before it takes jobs), as an orchestrator's readiness check would
    # wait for.
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        with open(workdir / "stack.log", "rb") as lines:
            lines.seek(offset)
            text = lines.read().decode(errors="replace")
        warm = set(re.findall(r"pdf_renderer_warm: pid (\d+)", text))
        if len(warm) >= WEB_WORKERS + 1 and "document_builds_warm" in text:
            break
        time.sleep(0.2)
    else:
        print("warning: not every process reported a warm renderer within 90 s")
    return processes


def stop(processes) -> None:
    for process in processes:
        os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        process.wait(timeout=60)


def session(base: str, account: str = ACCOUNT) -> requests.Session:
    client = requests.Session()
    _, fields = hidden_fields(client.get(base + "/auth/login").text, SELF)
    fields.update(email=account, password=PASSWORD)
    response = client.post(base + "/auth/login", data=fields)
    response.raise_for_status()
    if "/auth/login" in response.url:
        raise SystemExit(f"{account} could not sign in")
    return client


BROWSER_POLL = 1.5  # seconds between the progress page's looks at its job (app/static/js/app.js)


def download(client: requests.Session, url: str, poll: float = 0.1) -> float:
    """Seconds until the PDF is in hand, following the progress page (every `poll` seconds)."""
    started = time.perf_counter()
    # A document evicted between its render and its download (PDF_CACHE_MAX_AGE_HOURS=0 below) is asked
    # for again, as its progress page offers.
    for _attempt in range(5):
        answer = client.get(url, allow_redirects=False, timeout=120)
        while answer.status_code == 303:
            status = urljoin(url, answer.headers["Location"])
            state = client.get(status + ".json").json() if not status.endswith(".pdf") else {}
            while not state.get("download_url") and state.get("status") not in ("failed", "expired"):
                time.sleep(poll)
                state = client.get(status + ".json").json()
            if state.get("status") == "expired":
                break
            answer = client.get(urljoin(url, state.get("download_url") or status), allow_redirects=False,
                                timeout=120)
        if answer.content.startswith(b"%PDF"):
            return time.perf_counter() - started
    raise AssertionError((url, answer.status_code))


def empty_cache(workdir: Path) -> None:
    """Forget every rendered document (the next download of any of them renders it again)."""
    with sqlite3.connect(workdir / "palisade.sqlite", timeout=30) as connection:
        connection.execute("DELETE FROM rendered_documents")


def render_jobs(workdir: Path) -> int:
    """Render jobs queued so far (each download that was not served from the render cache queued one)."""
    with sqlite3.connect(workdir / "palisade.sqlite", timeout=30) as connection:
        return connection.execute("SELECT count(*) FROM render_jobs").fetchone()[0]


def warm_readers(base: str, urls: list[str]) -> None:
    """Each reader's documents rendered and known before the cached row, which measures downloads that the
    render cache serves: a reader's first executive report is a new edition, the next one is unchanged."""
    for account in READERS:
        client = session(base, account)
        for url in urls:
            for _ in range(2):
                download(client, url)


def ms(seconds: list[float]) -> str:
    return "/".join(f"{s * 1000:.0f}" for s in seconds)


def download_after_pause(client: requests.Session, url: str) -> float:
    """A warm download after the same quiet second the first one had (the queue is polled when idle)."""
    time.sleep(1)
    return download(client, url)


def list_times(client: requests.Session, base: str, samples: int) -> list[float]:
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        client.get(base + "/agreements/").raise_for_status()
        times.append(time.perf_counter() - started)
    return times


def p99(times: list[float]) -> float:
    return statistics.quantiles(times, n=100)[98]


def fetch_page(client: requests.Session, url: str) -> float:
    started = time.perf_counter()
    client.get(url, timeout=120).raise_for_status()
    return time.perf_counter() - started


ROUNDS = 5  # idle and busy phases alternate this many times: both sides see the same drift of the host


# Four people of four organisations, each downloading as often as the default PDF_RATE_LIMIT lets one reader
# (30 a minute: a download every 2 s, or back to back when one takes longer).
READERS = ["coordinator@niro.example.gov", "coordinator@riverbend.example.com",
           "coordinator@northgrid.example.com", "coordinator@meridian.example.com"]
PACE = 60 / 30


def _downloader(base: str, urls: list[str], fetch, first: int, account: str, pace: float, go, stop_flag, active,
                done) -> None:
    client = session(base, account)
    n = first
    # Each reader comes to the busy phase at a moment of her own within her pace, as people do: four readers
    # started in step would all download in the same instant, every `pace` seconds, in step with the sampler.
    moment = random.Random() if os.environ.get("BENCH_READERS_IN_STEP") != "1" else None
    waiting = True
    while not stop_flag.is_set():
        if not go.wait(0.2):
            waiting = True
            continue
        if waiting and moment is not None:
            waiting = False
            if stop_flag.wait(moment.uniform(0, pace)) or not go.is_set():
                continue
        started = time.monotonic()
        with active.get_lock():
            active.value += 1
        try:
            fetch(client, urls[n % len(urls)])
        finally:
            with active.get_lock():
                active.value -= 1
        with done.get_lock():
            done.value += 1
        n += 4
        stop_flag.wait(max(0.0, pace - (time.monotonic() - started)))


def list_under_pdf_load(base: str, samples: int, urls: list[str], fetch=download, accounts=(ACCOUNT,) * 4,
                        pace: float = 0.0) -> tuple[float, float, int]:
    """(the list's p99 idle, its p99 while 4 clients fetch `urls`, fetches done). Each client signs in as its
    account and starts a fetch every `pace` seconds (0: back to back, no pause). Idle and busy
    phases alternate ROUNDS times and each side's samples are pooled, so a slow drift of the host (its other
    tenants, the database's files) weighs on both alike. Each client is a process of its own, as four browsers
    are: none shares an interpreter lock with the list's sampler."""
    context = multiprocessing.get_context("fork")
    go, stop_flag = context.Event(), context.Event()
    active, done = context.Value("i", 0), context.Value("i", 0)
    clients = [context.Process(target=_downloader, daemon=True,
                               args=(base, urls, fetch, i, accounts[i], pace, go, stop_flag, active, done))
               for i in range(4)]
    for client in clients:
        client.start()
    sampler = session(base)
    list_times(sampler, base, 50)  # the sampler's connection and the page warm before anything counts
    idle, busy = [], []
    per_round = max(1, samples // ROUNDS)
    try:
        for _ in range(ROUNDS):
            deadline = time.monotonic() + 120
            while active.value and time.monotonic() < deadline:  # what the clients had started is finished
                time.sleep(0.05)
            time.sleep(0.5)
            idle += list_times(sampler, base, per_round)
            go.set()
            time.sleep(2)
            busy += list_times(sampler, base, per_round)
            go.clear()
    finally:
        stop_flag.set()
        for client in clients:
            client.join(timeout=180)
            if client.is_alive():
                client.kill()
    return p99(idle), p99(busy), done.value


def executive_any_worker(workdir: Path, base: str, port: int) -> None:
    """The executive report downloaded once, then again unchanged, each time on a new connection: gunicorn's
    workers take turns accepting, so the downloads after the first reach other workers than the first did."""
    processes = start(workdir, port)
    try:
        client = session(base)
        client.headers["Connection"] = "close"
        cold = download(client, base + "/reports/executive.pdf")
        again = [download(client, base + "/reports/executive.pdf") for _ in range(9)]
        goal_table([("executive", f"{statistics.median(again) / cold:.3f} (median of 9 on new connections; "
                                  f"{statistics.median(again) * 1000:.0f} ms after {cold * 1000:.0f} ms)",
                     statistics.median(again) / cold <= 0.05)])
        print(f"executive report first {cold * 1000:7.0f} ms, unchanged again on new connections {ms(again)} ms "
              f"(median {statistics.median(again) * 1000:5.0f}, slowest {max(again) * 1000:5.0f})  ratio of the "
              f"median {statistics.median(again) / cold:5.3f}, of the slowest {max(again) / cold:5.3f} "
              f"(goal <= 0.05)")
    finally:
        stop(processes)


def warm_and_executive(workdir: Path, base: str, client: requests.Session, reports: list[str], firsts: list[float],
                       goals: list) -> None:
    # Warm: the same three documents again on the running stack, each rendered anew (the cache is emptied
    # first), three times each; documents differ in length, so a first is compared with its own warm time.
    warms = []
    for url in reports[:3]:
        runs = []
        for _ in range(3):
            empty_cache(workdir)
            runs.append(download_after_pause(client, base + url))
        warms.append(statistics.median(runs))
    ratio = statistics.median(first / warm for first, warm in zip(firsts, warms, strict=True))
    print(f"first PDF after start {ms(firsts)} ms (3 starts, one document each), the same documents warm "
          f"{ms(warms)} ms  ratio {ratio:5.2f} (median of the three)  (goal <= 1.2)")
    others = statistics.median(download_after_pause(client, base + url) for url in reports[3:8])
    print(f"  for scale: five other documents warm, median {others * 1000:5.0f} ms")

    cold = download(client, base + "/reports/executive.pdf")
    again = statistics.median(download(client, base + "/reports/executive.pdf") for _ in range(5))
    print(f"executive report first {cold * 1000:7.0f} ms, unchanged again {again * 1000:7.0f} ms  "
          f"ratio {again / cold:5.3f}  (goal <= 0.05)")
    goals.append(("executive", f"{again / cold:.3f} ({again * 1000:.0f} ms after {cold * 1000:.0f} ms)",
                  again / cold <= 0.05))


def stress_rows(base: str, samples: int, reports_of_each: list[str]) -> None:
    # Stress: the PDF limit lifted, 4 clients of one reader back to back. A download served from the cache costs
    # about what a page does, so this measures the host's saturation, as the control row shows.
    idle, busy, n = list_under_pdf_load(base, samples, reports_of_each)
    print(f"  stress: list p99 idle {idle * 1000:6.0f} ms; while 4 clients download them back to back "
          f"({n} downloads) {busy * 1000:6.0f} ms  ratio {busy / idle:5.2f}")
    pages = [base + "/", base + "/risks/"]
    idle, busy, n = list_under_pdf_load(base, samples, pages, fetch=fetch_page)
    print(f"  control: list p99 idle {idle * 1000:6.0f} ms; while 4 clients load the dashboard and the risk "
          f"list back to back ({n} pages) {busy * 1000:6.0f} ms  ratio {busy / idle:5.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    # A p99 of 200 samples is their second slowest: one stray sample (the first request of a window after a
    # pause, with no download anywhere near it) decided the ratio. 1,000 samples make it the tenth slowest.
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--port", type=int, default=8631)
    parser.add_argument("--web-workers", type=int, default=None, help="gunicorn workers (default: as deployed)")
    parser.add_argument("--executive-only", action="store_true",
                        help="only the executive report's second download ÷ first, whichever worker answers")
    parser.add_argument("--storm-only", action="store_true",
                        help="only the list's p99 under PDF downloads (no first-PDF-after-start rows)")
    args = parser.parse_args()
    global WEB_WORKERS
    WEB_WORKERS = args.web_workers or WEB_WORKERS
    print(f"gunicorn -c gunicorn.conf.py with {WEB_WORKERS} workers, one background worker, SQLite, demo data")
    workdir = Path(tempfile.mkdtemp(prefix="palisade-renders-"))
    base = f"http://127.0.0.1:{args.port}"
    if args.executive_only:
        executive_any_worker(workdir, base, args.port)
        return

    goals = []  # the rows this run measures (bench/goals.py)
    # The first PDF after a start, over three starts (a single first download is one noisy sample).
    firsts = []
    starts = 1 if args.storm_only else 3
    for start_number in range(starts):
        processes = start(workdir, args.port)
        try:
            client = session(base)
            listing = client.get(base + "/initiatives/?per_page=100").text
            reports = [f"/initiatives/{i}/status-report.pdf"
                       for i in sorted(set(map(int, re.findall(r'href="/initiatives/(\d+)"', listing))))]
            if not args.storm_only:
                firsts.append(download(client, base + reports[start_number]))
        except BaseException:
            stop(processes)
            raise
        if start_number < starts - 1:
            stop(processes)
    try:
        if not args.storm_only:
            warm_and_executive(workdir, base, client, reports, firsts, goals)
        reports_of_each = [base + "/reports/executive.pdf", base + "/risks/register.pdf"]
        warm_readers(base, reports_of_each)
        jobs = render_jobs(workdir)
        idle, busy, n = list_under_pdf_load(base, args.samples, reports_of_each, accounts=READERS, pace=PACE)
        print(f"list p99 idle {idle * 1000:6.0f} ms; while 4 readers download their executive report and register "
              f"as often as the PDF limit allows ({n} downloads, {render_jobs(workdir) - jobs} rendered) "
              f"{busy * 1000:6.0f} ms  ratio {busy / idle:5.2f}  (goal <= 1.5)")
        goals.append(("pdf-storm", f"{busy / idle:.2f} (cached documents; p99 {busy * 1000:.0f} ÷ {idle * 1000:.0f} ms)",
                      busy / idle <= 1.5))
        if not args.storm_only:
            stress_rows(base, args.samples, reports_of_each)
    finally:
        stop(processes)

    processes = start(workdir, args.port, PDF_CACHE_MAX_AGE_HOURS=0)
    try:
        # The clients follow their progress pages as the page's script does.
        follow = functools.partial(download, poll=BROWSER_POLL)
        idle, busy, n = list_under_pdf_load(base, args.samples, reports_of_each, fetch=follow, accounts=READERS,
                                            pace=PACE)
        print(f"list p99 idle {idle * 1000:6.0f} ms; while 4 readers download documents that must each be rendered "
              f"as often as the PDF limit allows ({n} renders) {busy * 1000:6.0f} ms  ratio {busy / idle:5.2f}  "
              f"(goal <= 1.5)")
        goals.append(("pdf-storm", f"{busy / idle:.2f} (every download rendered; p99 {busy * 1000:.0f} ÷ "
                                   f"{idle * 1000:.0f} ms)", busy / idle <= 1.5))
        if not args.storm_only:
            every_render = [base + url for url in reports] + reports_of_each
            idle, busy, n = list_under_pdf_load(base, args.samples, every_render, fetch=follow)
            print(f"  stress: list p99 idle {idle * 1000:6.0f} ms; while 4 clients download such documents back to "
                  f"back ({n} renders) {busy * 1000:6.0f} ms  ratio {busy / idle:5.2f}")
    finally:
        stop(processes)
    goal_table(goals)


if __name__ == "__main__":
    main()
