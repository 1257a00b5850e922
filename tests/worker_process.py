"""`flask --app wsgi worker` as a real process for the tests that watch background jobs run: started with the
given environment, stopped (SIGINT, then killed after 20 s) when the block ends; then `worker.output` holds what
it printed."""
import contextlib
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def worker_process(env: dict):
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--workers", "1"],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        yield worker
    finally:
        worker.send_signal(signal.SIGINT)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        with worker.stdout:
            worker.output = worker.stdout.read()
