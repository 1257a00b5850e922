"""Controls look like what they are, and words stay whole.

- Every select is drawn as a select (Bootstrap's `form-select`, with its arrow), enums included: the
  Kind, TLP and Health pickers were drawn as text boxes.
- Words are not broken in the middle in tables, on the web (Chromium, 1280 and 390 px) and in PDFs
  ("Partn/er", "countersigne/d"): only tokens longer than their column (addresses, hashes) may be.
"""
import itertools
import re
import shutil

import pytest

from app.extensions import db
from app.models import Organization
from app.models import User
from tests import factories
from tests.conftest import USING_POSTGRES
from tests.edit_form_world import seed
from tests.signing_helpers import approved_world
from tests.signing_helpers import document_bytes
from tests.signing_helpers import issue
from tests.signing_helpers import pdf_text
from tests.signing_helpers import sign
from tests.test_signing_paper import countersigned_pdf
from tests.test_signing_paper import file_paper

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _select_classes(html: str) -> dict[str, str]:
    """{select id: its class attribute} for every select on the page."""
    selects = {}
    for tag in re.findall(r"<select\b[^>]*>", html):
        select_id, classes = re.search(r'\bid="([^"]+)"', tag), re.search(r'\bclass="([^"]*)"', tag)
        selects[select_id.group(1) if select_id else tag] = classes.group(1) if classes else ""
    return selects


def test_enum_pickers_are_drawn_as_selects(app):
    world = seed(app)
    ids = world["ids"]
    with app.app_context():
        coordinator = db.session.scalar(db.select(User).where(User.email == world["users"]["coord_gov"]))
        admin = db.session.scalar(db.select(User).where(User.email == world["users"]["admin"]))
        coordinator_client, admin_client = app.test_client(user=coordinator), app.test_client(user=admin)
    pages = {f"/agreements/{ids['agreement']}/edit": ("kind", "tlp"),
             f"/initiatives/{ids['initiative']}/edit": ("health", "tlp"),
             "/risks/new": ("treatment", "tlp", "likelihood")}
    for path, names in pages.items():
        selects = _select_classes(coordinator_client.get(path).get_data(as_text=True))
        for name in names:
            assert "form-select" in selects[name].split(), (path, name, selects[name])
            assert "form-control" not in selects[name].split(), (path, name)
    selects = _select_classes(admin_client.get(f"/organizations/{ids['water']}/edit").get_data(as_text=True))
    assert "form-select" in selects["kind"].split()


# --- words whole in PDFs ---------------------------------------------------------------------------


def broken(text: str, words) -> list[str]:
    """The words that the text shows cut over two lines (with or without a hyphen)."""
    found = []
    for word in words:
        for cut in range(1, len(word)):
            if re.search(re.escape(word[:cut]) + r"-?[ \t]*\n[ \t]*" + re.escape(word[cut:]), text):
                found.append(f"{word[:cut]}/{word[cut:]}")
    return found


def test_broken_finds_a_cut_word():
    assert broken("On paper,\ncountersigne\nd PDF filed", ["countersigned"]) == ["countersigne/d"]
    assert broken("On paper, countersigned\nPDF filed", ["countersigned", "filed"]) == []


def test_executed_agreement_keeps_countersigned_and_party_words_whole(app):
    world = approved_world(app)
    assert issue(app, world, partner="paper").status_code == 302
    assert sign(app, world.lead_signer, world.agreement_id).status_code == 302
    issued = document_bytes(app, world.agreement_id, "agreement_for_signature")
    assert file_paper(app, world, countersigned_pdf(issued)).status_code == 302
    text = pdf_text(document_bytes(app, world.agreement_id, "agreement_executed"))
    assert "countersigned" in text
    with app.app_context():
        names = db.session.scalars(db.select(Organization.name)).all()
    words = {"countersigned", "countersignature", "Electronic", "signature", "Partner", "Signatory"} | {
        w for name in names for w in re.findall(r"[A-Za-z]{4,}", name)}
    assert broken(text, words) == []


# --- words whole on the web -------------------------------------------------------------------------

# Words (letters only, 3+) of table cells and definition lists that the layout put on two lines; a
# word inside a token longer than 24 characters (an address, a hash) may wrap.
BROKEN_WORDS = r"""() => {
  const found = [];
  for (const cell of document.querySelectorAll('main td, main th, main dd')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const token of node.data.matchAll(/\S+/g)) {
        if (token[0].length > 24) continue;
        for (const word of token[0].matchAll(/\p{L}{3,}/gu)) {
          const start = token.index + word.index, range = document.createRange();
          range.setStart(node, start); range.setEnd(node, start + word[0].length);
          const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
          if (lines.size > 1) found.push(word[0]);
        }
      }
    }
  }
  return found;
}"""


@pytest.mark.skipif(USING_POSTGRES, reason="how the browser lays out a table does not depend on the database: "
                                          "the SQLite pass covers it")
def test_tables_keep_words_whole_at_1280_and_390_px(live_app, browser):
    world = seed(live_app.app)
    ids = world["ids"]
    paths = ["/agreements/", f"/agreements/{ids['agreement']}", "/risks/",
             f"/risks/{ids['red_risk']}", "/initiatives/", f"/initiatives/{ids['initiative']}", "/working-groups/",
             f"/working-groups/{ids['working_group']}", "/incident-plans/", f"/incident-plans/{ids['plan']}",
             "/tasks/?scope=all"]
    # Administrators manage organisations and people; the coordinator reads the records she created.
    readers = {"coord_gov": paths, "admin": ["/organizations/", f"/organizations/{ids['water']}", "/users/"]}
    cut = {}
    for (reader, reader_paths), width in itertools.product(readers.items(), (1280, 390)):
        session = live_app.login(world["users"][reader], factories.PASSWORD)
        context = browser.new_context(viewport={"width": width, "height": 900})
        context.add_cookies([{"name": c.name, "value": c.value, "url": live_app.url} for c in session.cookies])
        page = context.new_page()
        for path in reader_paths:
            answer = page.goto(live_app.url + path)
            assert answer.status == 200 and "/auth/" not in page.url, (path, answer.status, page.url)
            if words := page.evaluate(BROKEN_WORDS):
                cut[f"{path} at {width}px"] = sorted(set(words))
        context.close()
    assert cut == {}
