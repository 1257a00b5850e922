"""gunicorn settings for Palisade: `gunicorn -c gunicorn.conf.py wsgi:app` (docs/deploy.md).

Threaded workers: a request that waits for a background render (PDF_WAIT_SECONDS) or for the
database holds a thread, not a whole process. Every value can be set from the environment.
"""
import gc
import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# One process per core (at least two): a gthread worker runs Python on about one core at a time, and its threads
# already cover the requests that wait (database, a render). The sync-worker rule of 2 × cores + 1 only added
# processes competing for the same cores, each with its own caches and database connections to warm: with two
# instances and the background worker on 2 cores (bench/load.py --topology two-hosts) reads' p95 was about
# twice what it is with 2 workers an instance (docs/performance.md, fourth pass).
workers = int(os.environ.get("WEB_CONCURRENCY", max(2, multiprocessing.cpu_count())))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
# Renders run on the background worker; no page request should take this long.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# SIGTERM: stop accepting, finish the requests in progress for up to this long, then exit.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# Idle keep-alive connections are held by the worker's poller, not by a thread. Longer than the proxy's
# upstream keepalive_timeout (60 s in docs/deploy.md): the proxy closes an idle connection first, so it
# never sends a request on one that gunicorn is closing at that moment (a reset, a 502 for a POST).
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "75"))
# Recycle workers now and then so memory taken by a large request returns to the system.
# Not too often: a new worker spends a second or two loading the app and warming its renderer.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "20000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "2000"))
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None  # empty: no access log
# Tokens (reset and invitation links, calendar addresses) are redacted from every access and error line.
logger_class = "app.logs.RedactingGunicornLogger"
errorlog = "-"
# Behind a proxy (nginx on the same host): trust its X-Forwarded-* only from there.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_worker_init(worker):
    """Compile the page templates, then start the PDF renderer and load its fonts, before the worker takes
    its first request (the renderer's "pdf_renderer_warm" log line comes last: the worker is ready)."""
    from app.pdf import warm_up
    from app.sanitize import render_markdown
    from app.template_helpers import compile_templates

    with worker.wsgi.app_context():
        try:
            compile_templates()
        except Exception:  # a broken template fails its own page, not the worker's start
            worker.log.exception("Compiling the templates at start failed")
        render_markdown("Warm *start*")  # loads the Markdown extensions (~15 ms), not in a first page
        warm_up()
    # What the worker holds now lives as long as it does (modules, compiled templates, mappers): frozen, the
    # collector's full passes skip it and scan only what requests leave behind (shorter pauses in a page).
    gc.collect()
    gc.freeze()
