"""The layers of STYLE.md §5.2, read from the source (every import, at module level or inside a function):

* models import nothing but models and the extensions; permissions nothing but models;
* services never import routes or forms, nor the request, session, flash, url_for or render_template;
* a feature imports another feature's services (and modules below them), never its routes or forms;
* no import cycle between feature packages; nothing below the factory and the CLI reaches into a feature;
* PDF templates show what their document's content builder gives them, never a blueprint's template global.

A rule broken here names the module and the import, so the fix is to move the shared piece down a layer.
"""
import ast
import re
from functools import cache
from pathlib import Path

from app import create_app
from config import TestConfig

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app"
BELOW_FEATURES = {"models", "permissions"}  # packages of app/ that are layers, not features
ENTRY_POINTS = {"app", "app.cli"}  # the factory and the command line wire the features together
REQUEST_NAMES = {"request", "session", "flash", "url_for", "render_template", "redirect", "g"}


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def _modules() -> dict[str, Path]:
    return {_module(path): path for path in APP.rglob("*.py")}


@cache
def _imports(module: str) -> tuple[tuple[str, str], ...]:
    """(imported module, name) for every import of `module`: `import x.y` gives (x.y, ""), `from x import y`
    gives (x.y, "") when x.y is a module of app/, else (x, y)."""
    path = _modules()[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, "") for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[:len(package.split(".")) - node.level + 1] + [base]).strip(".")
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.append((full, "") if full in _modules() else (base, alias.name))
    return tuple(found)


def _app_imports(module: str) -> set[str]:
    """The modules of app/ that `module` imports."""
    return {name for name, _ in _imports(module) if name == "app" or name.startswith("app.")} - {module}


def _package(module: str) -> str | None:
    """The package of app/ that a module belongs to (`tasks` for app.tasks.services); None for app-level ones."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and (APP / parts[1]).is_dir() else None


def _feature(module: str) -> str | None:
    package = _package(module)
    return None if package in BELOW_FEATURES else package


def _is_routes_or_forms(module: str) -> bool:
    return any(part == "forms" or part.startswith("routes") for part in module.split(".")[2:])


def _is_services(module: str) -> bool:
    return module.split(".")[-1] == "services" or ".services." in module


def test_models_import_only_models_and_the_extensions():
    wrong = {(m, i) for m in _modules() if _package(m) == "models"
             for i in _app_imports(m) if _package(i) != "models" and i != "app.extensions"}
    assert wrong == set()


def test_permissions_import_only_models():
    """Pure functions of (user, object): no database session, no feature; the kinds registry (app/kinds.py,
    itself made of models only) says which kinds there are."""
    wrong = {(m, i) for m in _modules() if _package(m) == "permissions"
             for i in _app_imports(m) if _package(i) not in ("models", "permissions") and i != "app.kinds"}
    assert wrong == set()


def test_the_kinds_registry_imports_only_models():
    """Every layer reads app/kinds.py, permissions included: it names models, never a feature."""
    assert {i for i in _app_imports("app.kinds") if _package(i) != "models"} == set()


def test_services_never_import_routes_forms_or_the_request():
    wrong = {(m, i) for m in _modules() if _is_services(m) for i in _app_imports(m) if _is_routes_or_forms(i)}
    wrong |= {(m, f"flask.{name}") for m in _modules() if _is_services(m)
              for module, name in _imports(m) if module == "flask" and name in REQUEST_NAMES}
    wrong |= {(m, f"flask_login.{name}") for m in _modules() if _is_services(m)
              for module, name in _imports(m) if module == "flask_login"}
    assert wrong == set()


def test_a_feature_never_imports_another_features_routes_or_forms():
    wrong = {(m, i) for m in _modules() for i in _app_imports(m)
             if _is_routes_or_forms(i) and _feature(i) != _feature(m)}
    assert wrong == set()


def test_no_import_cycle_between_feature_packages():
    graph: dict[str, set[str]] = {}
    for m in _modules():
        if _feature(m):
            graph.setdefault(_feature(m), set()).update(
                _feature(i) for i in _app_imports(m) if _feature(i) and _feature(i) != _feature(m))

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt}))
                   for nxt in graph.get(start, ()))

    cycles = {(a, b) for a in graph for b in graph[a] if reaches(b, a, {b})}
    assert cycles == set()


def test_only_the_factory_and_the_cli_reach_into_features():
    """Modules at app/ level (pdf, seal, audit, records, lifecycle…) serve every feature and import none."""
    wrong = {(m, i) for m in _modules() if _package(m) is None and m not in ENTRY_POINTS
             for i in _app_imports(m) if _feature(i)}
    wrong |= {(m, "app") for m in _modules() if m != "app" and ("app", "create_app") in _imports(m)}
    assert wrong == set()


def test_pdf_templates_use_no_template_global_of_a_blueprint():
    """A PDF shows what its content builder (app/documents/content.py) put in its context."""
    app = create_app(TestConfig)
    route_globals = {name for name, value in app.jinja_env.globals.items()
                     if _feature(getattr(value, "__module__", "") or "")}
    assert route_globals, "no blueprint template global found: the check would pass whatever the templates do"
    used = {(path.name, name) for path in (ROOT / "templates" / "pdf").glob("*.html")
            for name in route_globals if re.search(rf"\b{re.escape(name)}\s*\(", path.read_text())}
    assert used == set()


def test_the_rules_see_the_imports_they_judge():
    """The reader finds lazy imports inside functions and relative ones (a rule that reads nothing passes)."""
    assert "app.documents.services" in _app_imports("app.signing.services")
    assert "app.signing.executed" in _app_imports("app.signing.signatures")  # imported inside a function
    assert _feature("app.signing.routes") == "signing" and _is_routes_or_forms("app.signing.routes_verify")
    assert _is_routes_or_forms("app.working_groups.routes.tasks") and not _is_routes_or_forms("app.forms")


def test_views_leave_the_commit_to_the_request_edge():
    """A state-changing request is committed once, at the edge (app/transactions.py), when its view answers
    below 400. A view commits itself only where the edge would not: a GET that must keep what it wrote (an
    audit row, a read mark), an answer of 400 and above that must keep a failed attempt's audit row, a job the
    worker must see before the request waits for it. Each such commit says why on its line."""
    bare = []
    for module, path in _modules().items():
        if not re.search(r"\.routes(_\w+)?(\.|$)", module):
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if "session.commit()" in line and "#" not in line.partition("session.commit()")[2]:
                bare.append(f"{path.relative_to(ROOT)}:{number}")
    assert bare == [], "views that commit without saying why the edge's commit would not do: " + ", ".join(bare)


def test_predicates_compare_enums_not_their_strings():
    """A status compared by its string keeps passing when the enum member is renamed; by identity it cannot."""
    found = []
    for module, path in _modules().items():
        if module.startswith("app.permissions"):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                if re.search(r"""\.value\s*[!=]=|["']value["']""", line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []
