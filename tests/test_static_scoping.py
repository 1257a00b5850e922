"""AC-10: views load records only through the visible_* scopes (a static check of the source).

Fails on `db.session.get(`, `.query.get(`, `get_or_404(` anywhere in route modules, and on
`db.first_or_404(...)`, `db.one_or_404(...)`, `db.session.scalar(...)`/`scalars(...)`/`execute(...)`
calls whose statement is not built from `permissions.visible_*(...)` (directly, or through a local
variable assigned from one). Loading users/organisations for admin pages goes through
visible_users/visible_organizations too. A child loaded only through an already-scoped parent may be
marked with a `# scoped: <why>` comment on the call's lines; reviewers read those.
"""
import ast
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"
FORBIDDEN_ATTRS = {"get_or_404"}
LOADERS = {"first_or_404", "one_or_404", "scalar", "scalars", "execute", "paginate"}


def route_files() -> list[Path]:
    files = [p for p in APP.rglob("routes*.py")] + [p for p in APP.rglob("routes/*.py")]
    return sorted(set(files))


def _dotted(node) -> str:
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Call):
        return _dotted(node.func) + "()"
    return "?"


SCOPE_PREFIXES = ("visible_", "get_visible_", "active_organizations")


def _root(node):
    """Where a method chain starts: permissions.visible_x(u).where(...).options(...) -> the visible_x call;
    stmt.where(...) -> the Name `stmt`; sa.select(X).where(...) -> the sa.select call."""
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if node.func.attr.startswith(SCOPE_PREFIXES):
            return node
        if isinstance(node.func.value, ast.Call):
            node = node.func.value
        else:
            return node  # stmt.where(...), queries.build(...), sa.select(...)
    return node


def _is_scoped(expr, scoped_names: set[str]) -> bool:
    if isinstance(expr, ast.IfExp):
        return _is_scoped(expr.body, scoped_names) and _is_scoped(expr.orelse, scoped_names)
    root = _root(expr)
    if isinstance(root, ast.Name):
        return root.id in scoped_names
    if isinstance(root, ast.Call):
        func = root.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id in scoped_names:
            return True  # a method on a scoped statement variable: stmt.where(...)
        if name.startswith(SCOPE_PREFIXES):
            return True
        # A feature's statement builder handed the current user (queries.list_agreements(current_user, …))
        # or a scoped statement (listing.sort(stmt, …)) builds on that user's scope.
        return any((isinstance(arg, ast.Name) and arg.id == "current_user") or _is_scoped(arg, scoped_names)
                   for arg in root.args)
    return False


STATEMENT_PARAMETERS = {"stmt", "statement", "query", "scope"}


def _scoped_variables(function: ast.AST) -> set[str]:
    """Local names assigned (possibly in steps) from a visible_* statement, plus statement parameters
    (a helper given `stmt` is checked where its caller built that statement)."""
    names: set[str] = set()
    if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
        names |= {a.arg for a in function.args.args if a.arg in STATEMENT_PARAMETERS}
    changed = True
    while changed:
        changed = False
        for node in ast.walk(function):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                target = node.targets[0].id
                if target not in names and _is_scoped(node.value, names):
                    names.add(target)
                    changed = True
                elif target not in names and isinstance(node.value, ast.Call):
                    # helper(stmt, ...) wrapping a scoped statement: listing.search(stmt, ...) etc.
                    if any(_is_scoped(arg, names) for arg in node.value.args):
                        names.add(target)
                        changed = True
    return names


def violations(source: str, filename: str = "<string>") -> list[str]:
    """Unscoped loads; a call whose line carries a `# scoped: <reason>` comment is accepted
    (a child loaded only through a parent that came from a visible_* scope)."""
    lines = source.splitlines()
    tree = ast.parse(source)
    found = []
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)] or [tree]
    for function in functions:
        scoped = _scoped_variables(function)
        for node in ast.walk(function):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            name = _dotted(node.func)
            where = f"{filename}:{node.lineno}"
            span = lines[node.lineno - 1:(node.end_lineno or node.lineno)]
            if any("# scoped:" in line for line in span):
                continue
            if name.endswith("session.get") or name.endswith(".query.get") or node.func.attr in FORBIDDEN_ATTRS:
                found.append(f"{where}: {name}(...) loads by id without a visible_* scope")
            elif node.func.attr in LOADERS and name.split(".")[0] == "db" and node.args:
                statement = node.args[0]
                if isinstance(statement, ast.Call) and _dotted(statement.func).endswith("text"):
                    continue  # raw health-check SQL, no model
                if not _is_scoped(statement, scoped):
                    found.append(f"{where}: {name}(...) on a statement not built from permissions.visible_*")
    return sorted(set(found))


def test_ac10_views_load_records_only_through_visible_scopes():
    problems = []
    for path in route_files():
        problems += violations(path.read_text(), str(path.relative_to(APP.parent)))
    assert not problems, "Unscoped loads in views (SECURITY AC-10):\n" + "\n".join(problems)


def test_ac10_the_checker_flags_unscoped_loads():
    bad = '''
def view(agreement_id):
    a = db.session.get(Agreement, agreement_id)
    b = Agreement.query.get(agreement_id)
    c = Agreement.query.get_or_404(agreement_id)
    d = db.get_or_404(Agreement, agreement_id)
    e = db.first_or_404(sa.select(Agreement).where(Agreement.id == agreement_id))
    f = db.session.scalar(sa.select(Agreement).where(Agreement.id == agreement_id))
    stmt = sa.select(Risk)
    g = db.session.scalars(stmt.where(Risk.id == 1))
'''
    assert len(violations(bad)) == 7


def test_ac10_the_checker_accepts_scoped_chains():
    good = '''
def view(agreement_id):
    a = db.first_or_404(permissions.visible_agreements(current_user).where(Agreement.id == agreement_id))
    stmt = permissions.visible_risks(current_user).options(selectinload(Risk.owner))
    stmt = listing.search(stmt, [Risk.title], q)
    listed = db.session.scalars(queries.list_agreements(current_user, filters)).all()
    rows = db.session.scalars(stmt.order_by(Risk.id)).all()
    one = db.session.scalar(visible_tasks(current_user).where(Task.id == 3))
    db.session.execute(sa.text("SELECT 1"))
'''
    assert violations(good) == []
    justified = """
def view(plan, section_id):
    return db.first_or_404(sa.select(PlanSection).where(PlanSection.id == section_id,
                                                        PlanSection.plan_id == plan.id))  # scoped: via plan
"""
    assert violations(justified) == []
