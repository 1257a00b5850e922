"""Every model and enum, re-exported so `from app.models import X` works and Alembic sees all tables.

Each public module of this package is imported here and the names it defines at its top level (not the ones it
imports) are re-exported: a new model module (a new kind's app/models/<kind>.py) needs no line in this file.
"""
import ast
import importlib
import pkgutil
from pathlib import Path

# Re-exported from the shared module (`X as X`: an explicit re-export).
from app.models._common import SECTOR_LABELS as SECTOR_LABELS
from app.models._common import TLP as TLP
from app.models._common import InvalidTransition as InvalidTransition
from app.models._common import Sector as Sector
from app.models._common import StaleEdit as StaleEdit
from app.models._common import due_by as due_by
from app.models._common import sector_filter as sector_filter
from app.models._common import today as today
from app.models._common import utcnow as utcnow


def _defined_names(source: str):
    """The public names a module's source binds at its top level: classes, functions, constants, tables."""
    for node in ast.parse(source).body:
        if isinstance(node, ast.ClassDef | ast.FunctionDef):
            names = [node.name]
        elif isinstance(node, ast.Assign):
            names = [target.id for target in node.targets if isinstance(target, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names = [node.target.id]
        else:
            continue
        yield from (name for name in names if not name.startswith("_"))


def _export_modules() -> None:
    """Re-export each model module's names; a name two modules define stays in its modules."""
    found: dict[str, list] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for name in _defined_names(Path(module.__file__).read_text(encoding="utf-8")):
            found.setdefault(name, []).append(getattr(module, name))
    globals().update({name: values[0] for name, values in found.items() if len(values) == 1})


_export_modules()

__all__ = [name for name in dir() if not name.startswith("_") and name not in {"ast", "importlib", "pkgutil", "Path"}]
