"""Where a request may send the browser next: a `?next=` or form value is followed only when it is a path
on this site, so a crafted link cannot bounce a signed-in user to another host (open redirect)."""
from urllib.parse import urlsplit


def local_url_or(target: str | None, default: str) -> str:
    """Follow `target` only when it is a path on this site (no scheme, host, // or backslash)."""
    if not target or not isinstance(target, str):
        return default
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target
