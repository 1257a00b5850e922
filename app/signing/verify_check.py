"""The seal check of /verify, bounded: an uploaded PDF never holds a web thread for long.

Validating a signature builds certificate paths from what the file carries; a file can make that
search explode (eight CA certificates signed in a ring took 29 s, nine about ten minutes). So:
- a signature carrying more than VERIFY_MAX_CERTIFICATES certificates is not validated at all
  (a platform seal carries two or three);
- the check runs in a child process (one per web process, started from app.pdf's forkserver, with
  RLIMIT_AS and a per-check RLIMIT_CPU budget), and the parent stops waiting after VERIFY_TIMEOUT
  seconds and kills it;
- one check at a time per web process; a request that waits longer than VERIFY_TIMEOUT for its turn
  is told to try again.
Every answer is a SealCheck with a message for people: a damaged file or a malformed signature is
said so, never with an internal exception name.
"""
import io
import logging
import re
import resource
import signal

from flask import Flask
from flask import current_app

from app.child_process import ChildProcess
from app.seal import SealCheck

log = logging.getLogger(__name__)

MAX_JOBS = 200
UNREADABLE = ("The file could not be read as a PDF: it is damaged or incomplete. Palisade issues only "
              "complete PDF files; ask the sender for the original.")
MALFORMED = "The signature in this file is malformed or of a kind Palisade cannot read, so it was not checked."
TOO_SLOW = ("The seal could not be checked in time: the file's signature is unusually complex. It was not "
            "made by this Palisade, whose seals are checked in well under a second.")
BUSY = "Palisade is checking other files right now. Try again in a moment."
_EXCEPTION_NAME = re.compile(r"\s*\((?:[A-Za-z_][\w.]*)?(?:Error|Exception|Exit|Warning|Interrupt)\)")


def too_many_certificates(count: int, cap: int) -> str:
    return (f"The signature carries {count} certificates (at most {cap} are checked): it was not made by this "
            "Palisade, whose seals carry two or three, and it was not checked further.")


class CheckBusy(Exception):
    """Another check holds this web process's checker for longer than the time limit."""


# --- In the child -------------------------------------------------------------------------------


def _signature_certificates(content: bytes) -> list[int] | None:
    """The number of certificates each signature carries; None when the file cannot be parsed."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(io.BytesIO(content), strict=False)
        signatures = reader.embedded_signatures
        return [_count(s.signed_data["certificates"]) for s in signatures]
    except Exception:  # any parse error of an uploaded file is an answer
        return None


def _count(certificates) -> int:
    try:
        return len(certificates)
    except TypeError:  # no certificates field
        return 0


def run_check(content: bytes, max_certificates: int) -> SealCheck:
    """The check itself (inside an app context whose config names the platform key)."""
    from app.seal import check_seal

    counts = _signature_certificates(content)
    if counts is None:
        return SealCheck(problem=UNREADABLE)
    if counts and max(counts) > max_certificates:
        return SealCheck(signed=True, problem=too_many_certificates(max(counts), max_certificates))
    try:
        result = check_seal(content)
    except Exception:
        log.warning("verify: the seal check failed", exc_info=True)
        return SealCheck(signed=bool(counts), problem=MALFORMED)
    if _EXCEPTION_NAME.search(result.problem or ""):  # never an internal name on the page
        result.problem = MALFORMED if result.signed else UNREADABLE
    return result


def _child_main(conn, settings: dict, memory_mb: int) -> None:
    memory = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    flask_app = Flask("palisade_verify", instance_path=settings.pop("instance_path"))
    flask_app.config.update(settings)
    import app.seal  # noqa: F401  -- paid once per child, before the first file

    conn.send("ready")
    cpu_hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
    for job in range(1, MAX_JOBS + 1):
        try:
            content, max_certificates, cpu_seconds = conn.recv()
        except (EOFError, OSError):
            return
        usage = resource.getrusage(resource.RUSAGE_SELF)
        soft = int(usage.ru_utime + usage.ru_stime) + cpu_seconds + 1
        resource.setrlimit(resource.RLIMIT_CPU, (soft if cpu_hard < 0 else min(soft, cpu_hard), cpu_hard))
        with flask_app.app_context():
            try:
                result = run_check(content, max_certificates)
            except MemoryError:
                result = SealCheck(problem=TOO_SLOW)
        conn.send((result, job == MAX_JOBS))


# --- In the web process -------------------------------------------------------------------------


def _settings() -> dict:
    config = current_app.config
    return {"instance_path": current_app.instance_path,
            **{name: config.get(name) for name in ("SIGNING_PKCS12_PATH", "SIGNING_PKCS12_PASSWORD",
                                                   "SIGNING_CREATE_TEST_KEY")}}


class SealChecker(ChildProcess):
    name = "palisade-verify"
    START_TIMEOUT = 60  # the child imports pyHanko once: slow on a busy host, never per file

    def start(self, settings: tuple) -> None:
        super().start(settings)
        if not self.conn.poll(self.START_TIMEOUT) or self.conn.recv() != "ready":
            self.stop()
            raise OSError("the seal checker did not start")

    def check(self, content: bytes, *, settings: dict, timeout: float, memory_mb: int,
              max_certificates: int) -> SealCheck:
        if not self.lock.acquire(timeout=timeout):
            raise CheckBusy(BUSY)
        try:
            self.ensure((dict(settings), memory_mb))
            try:
                self.conn.send((content, max_certificates, max(1, int(timeout))))
                if not self.conn.poll(timeout):
                    log.warning("verify: seal check exceeded %.1f s; checker %s killed", timeout, self.process.pid)
                    self.stop()
                    return SealCheck(signed=True, problem=TOO_SLOW)
                result, retiring = self.conn.recv()
            except (EOFError, OSError):  # the child died: its CPU budget (SIGXCPU) or memory
                exitcode = self.process.exitcode if self.process is not None else None
                self.stop()
                log.warning("verify: seal checker died (exit %s)", exitcode)
                if exitcode is not None and exitcode not in (-signal.SIGXCPU, -signal.SIGKILL):
                    return SealCheck(signed=True, problem=MALFORMED)
                return SealCheck(signed=True, problem=TOO_SLOW)
            if retiring:
                self.stop()
            return result
        finally:
            self.lock.release()


_checker = SealChecker(_child_main)


def bounded_check_seal(content: bytes) -> SealCheck:
    """check_seal() of app.seal, in the checker child, within the configured bounds."""
    config = current_app.config
    return _checker.check(content, settings=_settings(), timeout=float(config.get("VERIFY_TIMEOUT", 10)),
                          memory_mb=int(config.get("VERIFY_MEMORY_MB", 1024)),
                          max_certificates=int(config.get("VERIFY_MAX_CERTIFICATES", 6)))


def checker_pid() -> int | None:
    """The checker child's process id (for tests and diagnostics)."""
    process = _checker.process
    return process.pid if process is not None and process.is_alive() else None

