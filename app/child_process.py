"""A supervised child process, one per web process, for work a request must bound in time and memory (PDF
renders in app/pdf.py, seal checks in app/signing/verify_check.py): started on first use or when its
settings change, killed by its caller when it overruns, started again on the next call after it died or
retired. Callers hold `lock` around a call; the child speaks over `conn`."""
import multiprocessing
import threading

_context = None


def mp_context():
    """forkserver: children fork from a clean server that already imported WeasyPrint (no inherited
    database connections or locks from the web worker). "__main__" is preloaded too, so a child
    does not re-import the entry script (gunicorn's, pytest's)."""
    global _context
    if _context is None:
        try:
            _context = multiprocessing.get_context("forkserver")
            _context.set_forkserver_preload(["__main__", "weasyprint", "app.pdf"])
        except ValueError:  # platforms without forkserver
            _context = multiprocessing.get_context("spawn")
    return _context


class ChildProcess:
    name = "palisade-child"

    def __init__(self, target):
        self.target = target  # target(conn, *settings), run in the child
        self.process = None
        self.conn = None
        self.settings = None
        self.lock = threading.Lock()

    def ensure(self, settings: tuple) -> None:
        """A live child started with `settings`: a new one when there is none, it died or retired, or it was
        started with other settings."""
        if self.process is None or not self.process.is_alive() or self.settings != settings:
            self.stop()
            self.start(settings)

    def start(self, settings: tuple) -> None:
        context = mp_context()
        self.conn, child_conn = context.Pipe()
        self.process = context.Process(target=self.target, args=(child_conn, *settings), daemon=True,
                                       name=self.name)
        self.process.start()
        child_conn.close()
        self.settings = settings

    def stop(self) -> None:
        if self.conn is not None:
            self.conn.close()
        if self.process is not None:
            try:
                if self.process.is_alive():
                    self.process.kill()
                self.process.join(5)
            except (AssertionError, ValueError):  # interrupted while starting: nothing to stop
                pass
        self.process = self.conn = self.settings = None
