"""The PDF renderer starts and loads its fonts at boot, not at the first document."""
from app import pdf
from config import TestConfig
from tests.conftest import make_app


def test_warm_up_starts_the_render_process_before_any_document():
    app = make_app(type("SubprocessConfig", (TestConfig,), {"PDF_RENDER_IN_SUBPROCESS": True}))
    pdf._worker.stop()
    with app.app_context():
        pdf.warm_up()
    try:
        assert pdf._worker.process is not None and pdf._worker.process.is_alive()
    finally:
        pdf._worker.stop()


def test_warm_up_can_be_turned_off():
    app = make_app(type("ColdConfig", (TestConfig,), {"PDF_RENDER_IN_SUBPROCESS": True,
                                                      "PDF_WARM_AT_START": False}))
    pdf._worker.stop()
    with app.app_context():
        pdf.warm_up()
    assert pdf._worker.process is None
