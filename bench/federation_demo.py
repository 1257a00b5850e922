"""`make federation-demo`: two Palisade instances on one machine that share under TLP (app/federation/demo.py
says what each step does). Development only: the development configuration, databases in a new temporary
folder, both served in this process on two ports."""
import argparse
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.extensions import db  # noqa: E402
from app.federation.demo import INCIDENTS  # noqa: E402
from app.federation.demo import PASSWORD  # noqa: E402
from app.federation.demo import RELEASES  # noqa: E402
from app.federation.demo import RISKS  # noqa: E402
from app.federation.demo import SIDES  # noqa: E402
from app.federation.demo import Side  # noqa: E402
from app.federation.demo import arrivals  # noqa: E402
from app.federation.demo import peer_with  # noqa: E402
from app.federation.demo import pull  # noqa: E402
from app.federation.demo import register_risks  # noqa: E402
from app.federation.demo import release_every_tlp  # noqa: E402
from app.federation.demo import report_incidents  # noqa: E402
from app.federation.demo import seed  # noqa: E402


def _serve(app, port: int = 0):
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _demo_app(key: str, directory: Path, port: int):
    from app import create_app
    from config import Config

    settings = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory / (key + '.sqlite')}",
                "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", "STIX_INSTANCE": f"palisade-demo-{key}",
                "TOTP_REQUIRED_ROLES": (), "HUEY_IMMEDIATE": True, "RATELIMIT_STORAGE_URI": "memory://",
                "PEERS_ALLOW_PRIVATE": True}  # both instances listen on 127.0.0.1
    app = create_app(type(f"{key.title()}DemoConfig", (Config,), settings))
    with app.app_context():
        db.create_all()
        from app.signing import keys

        keys.ensure_development_key()  # the released editions are sealed
    return app


def run(ports: tuple[int, int], serve: bool) -> None:
    directory = Path(tempfile.mkdtemp(prefix="palisade-federation-"))
    sides = []
    for key, port in zip(SIDES, ports, strict=True):
        side = Side(key, _demo_app(key, directory, port))
        side.url = f"http://127.0.0.1:{port}"
        _serve(side.app, port)
        sides.append(side)
    national, nordic = sides
    seed(national, "nordic")
    seed(nordic, "national")
    peer_with(national, nordic)
    peer_with(nordic, national)
    for side in sides:
        release_every_tlp(side)
        report_incidents(side)
        register_risks(side)
    for side in sides:
        print(f"{side.name} ({side.url}) pulled: {pull(side)}")
    for side, other in ((national, nordic), (nordic, national)):
        print(f"\nReleased at {other.name}, arrived at {side.name}:")
        arrived = {title for _ref, _tlp, title in arrivals(side)}
        for title, tlp, _to in RELEASES + INCIDENTS + RISKS:
            full = f"[{SIDES[other.key][1]}] {title}"  # a risk arrives as "<its reference>: <its title>"
            came = any(t == full or t.endswith(f": {full}") for t in arrived)
            print(f"  {'ARRIVED ' if came else 'stayed  '} {tlp.label:<17} {full}")
    print("\nTLP:RED never leaves an instance (an advisory goes to organisations, never RED; a RED risk stays even"
          "\nwith the partner centre assigned a mitigation). An incident report's summary, or an AMBER risk, leaves"
          "\nonly when the partner centre takes part (the authority reported to, or assigned a mitigation); a risk"
          "\narrives as a vulnerability advisory of the partner centre.")
    print(f"Databases in {directory}; every account's password: {PASSWORD!r}")
    if serve:
        for side in sides:
            print(f"  {side.name}: {side.url}  " + ", ".join(side.emails.values()))
        print("Serving both until Ctrl-C.")
        threading.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ports", type=int, nargs=2, default=(5101, 5102))
    parser.add_argument("--serve", action="store_true", help="keep both instances running to browse them")
    args = parser.parse_args()
    run(tuple(args.ports), args.serve)


if __name__ == "__main__":
    main()
