"""The webhook event catalogue against the record-kind registry and the code: every kind offers its creation,
update and transition (and comments where it takes them), and every event a webhook may choose is emitted by
some audited step of the application (read from the source: each `audit.record(actor, action, …)` call, its
action resolved to the kinds it may name), so no event is offered that nothing ever sends."""
import ast
import importlib
from pathlib import Path

from app import kinds
from app.webhooks import events

APP = Path(__file__).resolve().parent.parent / "app"


def _audit_calls():
    """(module name, action expression, summary expression or None) of each audit.record call in app/."""
    for path in sorted(APP.rglob("*.py")):
        module = ".".join(path.relative_to(APP.parent).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "record"
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "audit"
                    and len(node.args) >= 2):
                summary = next((k.value for k in node.keywords if k.arg == "summary"), None)
                yield module.removesuffix(".__init__"), node.args[1], summary


def _prefix(summary) -> str:
    """The literal start of a summary ("status: ", "comment: "), as far as the source tells it."""
    if isinstance(summary, ast.Constant) and isinstance(summary.value, str):
        return summary.value
    if isinstance(summary, ast.JoinedStr) and summary.values and isinstance(summary.values[0], ast.Constant):
        return summary.values[0].value
    if isinstance(summary, ast.Call) and getattr(summary.func, "attr", "") == "summarize":
        return "status: "  # a field-by-field summary: a status among the fields is a transition
    return ""


def _actions():
    """(action, kinds it may be recorded on, summary prefix) of every audit.record call whose action the source
    names: a literal, `f"{KIND}.verb"` (the module's KIND), or `f"{<any kind>}.verb"` (shared code: any kind)."""
    for module, action, summary in _audit_calls():
        if isinstance(action, ast.Constant) and isinstance(action.value, str):
            prefix = action.value.split(".", 1)[0]
            owners = [kinds.BY_KEY["agreement"]] if prefix == "signature" else (
                [kinds.BY_KEY[prefix]] if prefix in kinds.BY_KEY else [])
            yield action.value, owners, _prefix(summary)
        elif (isinstance(action, ast.JoinedStr) and len(action.values) == 2
              and isinstance(action.values[1], ast.Constant)):
            head, verb = action.values[0].value, action.values[1].value
            if isinstance(head, ast.Name) and head.id == "KIND":
                key = importlib.import_module(module).KIND
                owners = [kinds.BY_KEY[key]] if key in kinds.BY_KEY else []
                yield f"{key}{verb}", owners, _prefix(summary)
            else:
                for kind in kinds.KINDS:
                    yield f"{kind.key}{verb}", [kind], _prefix(summary)
        elif (isinstance(action, ast.JoinedStr) and _prefix(summary) == "comment: "):  # the comments' service
            for kind in (kind for kind in kinds.KINDS if kind.comments):
                yield f"{kind.key}.commented", [kind], "comment: "


def emitted() -> set[str]:
    names = set()
    for action, owners, prefix in _actions():
        for kind in owners:
            found = events.event_for(action, kind.table, prefix + "x")
            if found is not None:
                names.add(found[1])
    return names


def test_every_kind_offers_its_creation_update_transition_and_comments():
    for kind in kinds.KINDS:
        offered = {name for name in events.NAMES if name.startswith(kind.key + ".")}
        expected = {f"{kind.key}.{verb}" for verb in (events.CREATED, events.UPDATED, events.TRANSITIONED)}
        assert expected <= offered, kind.key
        assert (f"{kind.key}.{events.COMMENTED}" in offered) is kind.comments, kind.key
    assert {key for key, _ in events.SPECIAL} <= set(kinds.BY_KEY)  # a named event belongs to a kind


def test_every_event_offered_is_emitted_by_an_audited_step():
    assert events.NAMES - emitted() == set()

