"""Word-level redline between two texts, as safe HTML: the one diff helper of the app.

Review panels (what changed since changes were requested), the history pages (any two versions of an
agreement's terms or a plan's sections) and the audit timeline use it. The texts are user content:
every piece is escaped here and the result holds only <ins>, <del> and <span> elements of our own.
Insertions and deletions are marked for every reader, not by colour only: <ins>/<del> are underlined
and struck through, and each carries words a screen reader speaks ("inserted:", "deleted:").

Cost is bounded: lines are matched first, then words within changed lines only; a block of changed
lines past WORD_DIFF_TOKENS tokens is shown as whole deleted and inserted text.
"""
import difflib
import re
from dataclasses import dataclass

from markupsafe import Markup
from markupsafe import escape

WORD_DIFF_TOKENS = 4000
_TOKEN = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


@dataclass(frozen=True)
class Redline:
    html: Markup
    inserted: int  # words inserted
    deleted: int  # words deleted

    @property
    def changed(self) -> bool:
        return bool(self.inserted or self.deleted)


def _words(tokens: list[str]) -> int:
    return sum(1 for t in tokens if not t.isspace())


def _word_count(text: str) -> int:
    return _words(_TOKEN.findall(text))


def _ins(text: str) -> str:
    return (f'<ins class="redline-ins"><span class="visually-hidden">[inserted: </span>{escape(text)}'
            '<span class="visually-hidden">]</span></ins>')


def _del(text: str) -> str:
    return (f'<del class="redline-del"><span class="visually-hidden">[deleted: </span>{escape(text)}'
            '<span class="visually-hidden">]</span></del>')


def _word_blocks(old: str, new: str, out: list[str]) -> tuple[int, int]:
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    if len(a) + len(b) > WORD_DIFF_TOKENS:
        if old:
            out.append(_del(old))
        if new:
            out.append(_ins(new))
        return _words(b), _words(a)
    inserted = deleted = 0
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append(str(escape("".join(a[i1:i2]))))
            continue
        if op in ("delete", "replace"):
            out.append(_del("".join(a[i1:i2])))
            deleted += _words(a[i1:i2])
        if op in ("insert", "replace"):
            out.append(_ins("".join(b[j1:j2])))
            inserted += _words(b[j1:j2])
    return inserted, deleted


def redline(old: str | None, new: str | None) -> Redline:
    """The word-level changes from `old` to `new` (line endings normalised first)."""
    old = (old or "").replace("\r\n", "\n")
    new = (new or "").replace("\r\n", "\n")
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    out: list[str] = []
    inserted = deleted = 0
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(str(escape("".join(a[i1:i2]))))
            continue
        ins, dels = _word_blocks("".join(a[i1:i2]), "".join(b[j1:j2]), out)
        inserted, deleted = inserted + ins, deleted + dels
    return Redline(Markup('<span class="redline">' + "".join(out) + "</span>"), inserted, deleted)


# --- Audit summaries ("title: old → new") on the history pages -----------------------------------

_CHANGE = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_ ]{0,40}): (?P<old>.*?) → (?P<new>.*)$", re.S)
SHORT_WORDS = 3


def summary_change(part: str) -> Markup:
    """One part of an audit summary for the history page: a change of a text of some words as a
    word-level redline after its field name; anything else (statuses, dates, notes) as written."""
    match = _CHANGE.match(part or "")
    if not match or " → " in match["new"]:
        return escape(part)
    old, new = match["old"], match["new"]
    if max(_word_count(old), _word_count(new)) <= SHORT_WORDS:
        return escape(part)
    old, new = ("" if v == "—" else v for v in (old, new))
    return escape(f"{match['name']}: ") + redline(old, new).html
