"""A PDF render process killed from outside (OOM killer, an operator) is reported as what it is:
"rendering failed, try again" (503), not "too large to render"; the next render works."""
import os
import signal
import threading
import time

from app import pdf
from app.models import Role
from tests import factories as f


def _kill_worker_once_rendering(stop: threading.Event, killed: list) -> None:
    """Wait for the render worker to start, give it the job, then SIGKILL it."""
    while not stop.is_set():
        process = pdf._worker.process
        if process is not None and process.is_alive() and process.pid:
            time.sleep(0.3)
            os.kill(process.pid, signal.SIGKILL)
            killed.append(process.pid)
            return
        time.sleep(0.01)


def test_killed_render_process_says_rendering_failed_and_the_next_render_works(app, client_as):
    with app.app_context():
        coordinator = f.user(role=Role.COORDINATOR)
        heavy = f.agreement(created_by=coordinator, terms="\n".join(f"- item {n} " + "word " * 30
                                                                      for n in range(560)))
        light = f.agreement(created_by=coordinator, summary="Short.")
        client = client_as(coordinator)
        heavy_id, light_id = heavy.id, light.id
    pdf._worker.stop()
    app.config.update(PDF_RENDER_IN_SUBPROCESS=True, PDF_RENDER_TIMEOUT=60)
    stop, killed = threading.Event(), []
    killer = threading.Thread(target=_kill_worker_once_rendering, args=(stop, killed))
    killer.start()
    try:
        response = client.get(f"/agreements/{heavy_id}.pdf")
        stop.set()
        killer.join()
        assert killed, "the render worker never started"
        assert response.status_code == 503
        text = response.get_data(as_text=True)
        assert "Rendering failed" in text and "try again" in text.lower()
        assert "too large" not in text  # the time-budget case keeps its own wording (tests/test_pdf.py)
        ok = client.get(f"/agreements/{light_id}.pdf")
        assert ok.status_code == 200 and ok.data.startswith(b"%PDF")
    finally:
        stop.set()
        pdf._worker.stop()

