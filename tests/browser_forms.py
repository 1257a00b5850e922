"""A page's form read as Chromium submits it when nobody touches it (HTML's form-submission rules).

Unlike tests/everyday_helpers.form_data, which posts what the server marked, this sends what a
browser sends: a single select with no selected option sends its first option, a textarea's line
breaks go as CRLF, disabled controls and unchecked boxes send nothing, submit buttons send nothing.
"""
from html.parser import HTMLParser

from tests.everyday_helpers import fold_fields


class _BrowserForms(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._textarea = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "method": a.get("method", "get").lower(),
                               "class": a.get("class", ""), "fields": []})
            return
        if not self.forms:
            return
        fields = self.forms[-1]["fields"]
        if "disabled" in a:
            return
        if tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    fields.append([a["name"], a.get("value", "on")])
                return
            fields.append([a["name"], a.get("value", "")])
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]
            fields.append(self._textarea)
        elif tag == "select" and a.get("name"):
            self._select = {"name": a["name"], "multiple": "multiple" in a, "first": None, "chosen": []}
        elif tag == "option" and self._select is not None and "disabled" not in a:
            value = a.get("value")
            if self._select["first"] is None:
                self._select["first"] = value
            if "selected" in a:
                self._select["chosen"].append(value)

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            value = self._textarea[1]
            value = value[1:] if value.startswith("\n") else value  # the newline after <textarea> is dropped
            self._textarea[1] = value.replace("\r\n", "\n").replace("\n", "\r\n")  # browsers send CRLF
            self._textarea = None
        elif tag == "select" and self._select is not None:
            select, self._select = self._select, None
            chosen = select["chosen"] if select["multiple"] else (select["chosen"][-1:] or
                                                                  ([select["first"]] if select["first"] is not None
                                                                   else []))
            self.forms[-1]["fields"].extend([select["name"], value or ""] for value in chosen)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data


def browser_forms(html: str) -> list[dict]:
    parser = _BrowserForms()
    parser.feed(html)
    return parser.forms


def browser_form_data(html: str, match=lambda f: True) -> dict:
    """The first matching form's submission as {name: value or [values]}."""
    for form in browser_forms(html):
        if match(form):
            return fold_fields(form["fields"])
    raise AssertionError("no matching form")
