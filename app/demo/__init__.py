"""Demo data for `flask seed-demo`: a realistic CIP partnership. Idempotent: run it as often as you like.

Each record kind has its own module; `seed_demo()` runs them in dependency order.
"""
from app.demo import advisories
from app.demo import agreements
from app.demo import attachments
from app.demo import exercises
from app.demo import incident_plans
from app.demo import incidents
from app.demo import initiatives
from app.demo import notifications
from app.demo import risks
from app.demo import signing
from app.demo import workflow
from app.demo import working_groups
from app.demo.people import seed_people

DEFAULT_PASSWORD = "palisade-demo-passphrase"

# Each record kind's module, in dependency order; a new kind imports its module above and adds it
# here (`seed(people) -> count`). A module that is missing fails at import: nothing is skipped.
RECORD_MODULES = (agreements, initiatives, working_groups, risks, incident_plans, incidents, advisories, exercises,
                  workflow, attachments, signing, notifications)


def seed_demo(password: str = DEFAULT_PASSWORD) -> dict:
    from app.signing.keys import ensure_development_key

    ensure_development_key()  # issued demo documents are sealed: `pki init` first when there is no key
    people = seed_people(password)
    summary = {"organizations": len(people.orgs), "users": len(people.users)}
    for module in RECORD_MODULES:
        summary[module.__name__.rsplit(".", 1)[1]] = module.seed(people)
    return summary
