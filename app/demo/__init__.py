"""Demo data for `flask seed-demo`: a realistic CIP partnership. Idempotent: run it as often as you like.

Each record kind has its own module; `seed_demo()` runs them in dependency order.
"""
import importlib

from app.demo.people import seed_people

DEFAULT_PASSWORD = "palisade-demo-passphrase"

# Record kinds add themselves here as `app.demo.<module>.seed(people)`.
RECORD_MODULES = ("agreements", "initiatives", "working_groups", "risks", "incident_plans", "workflow", "attachments")


def seed_demo(password: str = DEFAULT_PASSWORD) -> dict:
    people = seed_people(password)
    summary = {"organizations": len(people.orgs), "users": len(people.users)}
    for name in RECORD_MODULES:
        try:
            module = importlib.import_module(f"app.demo.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"app.demo.{name}":
                raise
            continue
        summary[name] = module.seed(people)
    return summary
