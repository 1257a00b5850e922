"""A real HTTP receiver for webhook tests: a threaded server on 127.0.0.1 that records each request and answers
with the status and body the test sets (`receiver.status = 500`, `receiver.answer = b"…"`; `receiver.first = [500]`:
the statuses of the next answers, before `status` again)."""
import threading
import time
from dataclasses import dataclass
from dataclasses import field
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes
    at: float = field(default_factory=time.monotonic)  # when it arrived


class Receiver:
    def __init__(self):
        self.requests: list[Received] = []
        self.status = 204
        self.first: list[int] = []
        self.answer = b""  # the body of each answer
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                receiver.requests.append(Received(self.path, dict(self.headers.items()), self.rfile.read(length)))
                status = receiver.first.pop(0) if receiver.first else receiver.status
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", receiver.url + "/moved")
                self.send_header("Content-Length", str(len(receiver.answer)))
                self.end_headers()
                try:
                    self.wfile.write(receiver.answer)
                except OSError:  # the sender stopped reading (it reads a bounded part)
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
