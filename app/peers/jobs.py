"""The periodic pull from every active peer."""
from app.jobs import crontab
from app.jobs import periodic_job


@periodic_job(crontab(minute="*/15"))
def pull_peers() -> int:
    from app.federation.pull import pull_all

    return len(pull_all())
