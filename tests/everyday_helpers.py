"""Helpers for the everyday-use tests: read a page's forms as a browser would submit them."""
from html.parser import HTMLParser


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._textarea = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "method": a.get("method", "get"), "fields": [],
                               "class": a.get("class", "")})
        if not self.forms:
            return
        fields = self.forms[-1]["fields"]
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind in ("submit", "button"):
                return
            fields.append([a["name"], a.get("value", "")])
        elif tag == "textarea" and a.get("name"):
            self._textarea = [a["name"], ""]
            fields.append(self._textarea)
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
        elif tag == "option" and self._select and "selected" in a:
            fields.append([self._select, a.get("value", "")])

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            # As in a browser: one newline right after <textarea> is not part of the value.
            text = self._textarea[1]
            self._textarea[1] = text[2:] if text.startswith("\r\n") else text[1:] if text.startswith("\n") else text
            self._textarea = None
        if tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data


def forms(html: str) -> list[dict]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def form_data(html: str, match=lambda f: True) -> dict:
    """The first matching form's fields as {name: value or [values]} (textarea text included)."""
    for form in forms(html):
        if match(form):
            return fold_fields(form["fields"])
    raise AssertionError("no matching form")


def fold_fields(fields) -> dict:
    """[(name, value)…] as a form posts them, folded to {name: value or [values]} (repeated names)."""
    data: dict = {}
    for name, value in fields:
        if name in data:
            data[name] = data[name] if isinstance(data[name], list) else [data[name]]
            data[name].append(value)
        else:
            data[name] = value
    return data
