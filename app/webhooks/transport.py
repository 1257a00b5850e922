"""One HTTP POST to a checked address: no redirect followed, short timeouts, a bounded answer.

The connection goes to the address app/webhooks/addresses.py checked (never to the name resolved again);
the name travels as the Host header and, over TLS, as the server name the certificate must match. The
standard library's client follows no redirect, so a 3xx is simply a failed attempt.
"""
import http.client
import socket
import ssl
import threading
from dataclasses import dataclass

from app.webhooks.addresses import Target

MAX_ANSWER_BYTES = 4096   # read of the answer's body; the rest is never read
SHOWN_ANSWER = 200        # kept of a refusal's body, for the delivery log


@dataclass(frozen=True)
class Answer:
    status: int
    excerpt: str


def _connection(target: Target, address: str, timeout: float) -> http.client.HTTPConnection:
    if target.scheme == "https":
        connection = http.client.HTTPSConnection(target.host, target.port, timeout=timeout,
                                                 context=ssl.create_default_context())
    else:
        connection = http.client.HTTPConnection(target.host, target.port, timeout=timeout)

    def connect_to_checked(_address, timeout_=timeout, source_address=None):
        return socket.create_connection((address, target.port), timeout_, source_address)

    connection._create_connection = connect_to_checked  # the name is never resolved again
    return connection


def _cut(connection: http.client.HTTPConnection) -> None:
    """Stop an exchange that outlived its time (shutdown wakes a read blocked in another thread)."""
    sock = connection.sock
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def post(target: Target, headers: dict[str, str], body: bytes, *, timeout: float, total: float) -> Answer:
    """POST `body` to the target's first reachable checked address. Raises OSError (and
    http.client.HTTPException) on a network failure; `total` seconds bound the whole exchange."""
    last_error: OSError | None = None
    for address in target.addresses:
        connection = _connection(target, address, timeout)
        watchdog = threading.Timer(total, _cut, (connection,))  # a receiver that trickles its answer is cut off
        watchdog.start()
        try:
            connection.request("POST", target.path, body=body, headers={
                **headers, "Content-Type": "application/json", "User-Agent": "Palisade-Webhooks/1",
                "Connection": "close"})
            response = connection.getresponse()
            text = response.read(MAX_ANSWER_BYTES) if not 200 <= response.status < 300 else b""
            return Answer(response.status, text.decode("utf-8", "replace")[:SHOWN_ANSWER])
        except ConnectionRefusedError as exc:  # try the next address of the name
            last_error = exc
        finally:
            watchdog.cancel()
            connection.close()
    raise last_error or OSError("no address to connect to")
