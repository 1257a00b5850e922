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


def test_every_template_compiles_before_the_first_request():
    from app.template_helpers import compile_templates

    app = make_app()
    with app.app_context():
        env = app.jinja_env
        env.cache.clear()
        count = compile_templates()
        names = env.list_templates()
        assert count == len(names) > 50
        assert any(name.endswith("base.html") for name in names)
        compiled = {key[1] for key in env.cache.keys()}
        assert compiled == set(names)


def test_a_web_worker_is_warm_and_frozen_before_its_first_request():
    """gunicorn's post_worker_init: templates compiled, Markdown's extensions loaded, the renderer started, and
    what the worker holds for good frozen, so the collector's full passes skip it during requests."""
    import gc
    import importlib.util
    import logging
    from pathlib import Path
    from types import SimpleNamespace

    from app import sanitize

    spec = importlib.util.spec_from_file_location("gunicorn_conf", Path(__file__).parent.parent / "gunicorn.conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    app = make_app(type("SubprocessConfig", (TestConfig,), {"PDF_RENDER_IN_SUBPROCESS": True}))
    app.jinja_env.cache.clear()
    pdf._worker.stop()
    sanitize._local.__dict__.pop("converter", None)
    gc.unfreeze()
    try:
        conf.post_worker_init(SimpleNamespace(wsgi=app, log=logging.getLogger("test")))
        assert len(app.jinja_env.cache) == len(app.jinja_env.list_templates())
        assert getattr(sanitize._local, "converter", None) is not None
        assert pdf._worker.process is not None and pdf._worker.process.is_alive()
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
        pdf._worker.stop()
