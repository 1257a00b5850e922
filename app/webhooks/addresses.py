"""Where a webhook may point: the SSRF rules, checked when an endpoint is saved and again before each send.

* https only, unless the configuration allows http (development and tests: WEBHOOK_ALLOW_HTTP);
* no user name or password in the URL, no fragment, a host name or an address, a port in range;
* every address the name resolves to must be public: never loopback, link-local (cloud metadata at
  169.254.169.254), private, shared (100.64/10), multicast, reserved or unspecified, IPv4 embedded in IPv6
  (::ffff:127.0.0.1, 64:ff9b::/96, 6to4, Teredo) judged as the IPv4 it carries; WEBHOOK_ALLOW_PRIVATE
  (tests, a closed network) lifts this one rule.
The sender connects to the address checked here, never resolving the name again (DNS rebinding: a name
that answered a public address at the check and a private one at the connection), and sends the name as
the Host header and TLS server name.
"""
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app

MAX_URL = 2000


class AddressRefused(ValueError):
    """The URL may not be used as a webhook: the message says why, for the coordinator."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str             # the name as written (Host header, TLS server name)
    port: int
    path: str             # path and query
    addresses: tuple[str, ...]  # the checked addresses the connection goes to, in the resolver's order


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in ipaddress.IPv6Network("64:ff9b::/96") or address in ipaddress.IPv6Network("::/96"):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Globally routable unicast (what a partner's receiver on the internet has)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return is_public(embedded)
    return address.is_global and not (address.is_multicast or address.is_reserved or address.is_unspecified
                                      or address.is_loopback or address.is_link_local or address.is_private)


def parse(url: str, allow_http_setting: str = "WEBHOOK_ALLOW_HTTP") -> tuple[str, str, int, str]:
    """(scheme, host, port, path) of a webhook URL allowed by its form (the address is checked by check())."""
    url = (url or "").strip()
    if not url or len(url) > MAX_URL:
        raise AddressRefused(f"Give the receiver's URL (at most {MAX_URL} characters).")
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise AddressRefused("The URL may not contain spaces or control characters.")
    if not url.isascii():
        raise AddressRefused("Write the URL in ASCII: its host name in punycode (xn--…), other characters "
                             "percent-encoded.")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  -- raises on a port out of range or not a number
    except ValueError:
        raise AddressRefused("The URL is not well formed (its host or port).") from None
    allowed = {"https", "http"} if current_app.config.get(allow_http_setting) else {"https"}
    if parts.scheme not in allowed:
        raise AddressRefused("The URL must start with https://." if "http" not in allowed
                             else "The URL must start with https:// or http://.")
    if parts.username or parts.password or "@" in parts.netloc:
        raise AddressRefused("The URL may not carry a user name or password: use the signing secret.")
    if parts.fragment:
        raise AddressRefused("The URL may not have a #fragment.")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    host = (parts.hostname or "").rstrip(".")
    if not host or port < 1:
        raise AddressRefused("The URL has no host name.")
    return parts.scheme, host, port, (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (a literal address is itself)."""
    try:
        return [ipaddress.ip_address(host).compressed]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise AddressRefused(f"The host name {host} does not resolve.") from None
    return list(dict.fromkeys(info[4][0].split("%", 1)[0] for info in infos))


def check(url: str, settings: str = "WEBHOOK", what: str = "webhooks") -> Target:
    """The URL's target with the address to connect to; AddressRefused when any rule refuses it. `settings` is
    the prefix of the switches (WEBHOOK_ALLOW_HTTP, WEBHOOK_ALLOW_PRIVATE; PEERS_… for TAXII peers)."""
    scheme, host, port, path = parse(url, f"{settings}_ALLOW_HTTP")
    addresses = resolve(host, port)
    if not addresses:
        raise AddressRefused(f"The host name {host} does not resolve.")
    if not current_app.config.get(f"{settings}_ALLOW_PRIVATE"):
        for text in addresses:
            if not is_public(ipaddress.ip_address(text)):
                raise AddressRefused(f"{host} resolves to {text}, an internal address: {what} only reach "
                                     f"public addresses.")
    return Target(scheme, host, port, path, tuple(addresses))
