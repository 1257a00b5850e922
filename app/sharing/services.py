"""Sharing feeds: a long random token per user, stored only as its SHA-256, and the Atom document.

The Atom feed carries only what the token's user may read now (visible_advisories, the same statement as the
page). Above TLP:GREEN an entry says only the reference, kind, TLP and link; an advisory the user reads only in
its public edition is titled by its public title; the restricted text never leaves in the feed."""
from xml.sax.saxutils import escape

from app.advisories import queries
from app.extensions import db
from app.feed_tokens import FeedTokens  # noqa: F401  -- token_hash: the feeds' stored form
from app.feed_tokens import token_hash  # noqa: F401  -- token_hash: the feeds' stored form
from app.models import TLP
from app.models import Advisory
from app.models import AdvisoryStatus
from app.models import SharingFeed
from app.models import User
from app.models import utcnow
from app.notifications.mail import external_url

FEED_ENTRIES = 100


_tokens = FeedTokens(SharingFeed, "sharing_feed")
feed_of, create_or_regenerate, revoke, user_for_token = (
    _tokens.feed_of, _tokens.create_or_regenerate, _tokens.revoke, _tokens.user_for_token)


def entry_title(advisory: Advisory, restricted: bool) -> str:
    """What the feed may say: the title at CLEAR/GREEN, the public title for a public-edition reader,
    else the reference, kind and TLP only."""
    if restricted and advisory.tlp in (TLP.CLEAR, TLP.GREEN):
        return f"{advisory.reference}: {advisory.title}"
    if not restricted:
        return f"{advisory.reference}: {advisory.public_title}"
    return f"{advisory.reference} — {advisory.kind.label} ({advisory.tlp.label})"


def entry_summary(advisory: Advisory, restricted: bool) -> str:
    if restricted and advisory.tlp not in (TLP.CLEAR, TLP.GREEN):
        return f"{advisory.kind.label}, {advisory.tlp.label}"
    tlp = advisory.tlp.label if restricted else f"public edition, {TLP.CLEAR.label}"
    text = f"{advisory.kind.label}, {advisory.severity.value} severity, {tlp}"
    if advisory.status is AdvisoryStatus.WITHDRAWN:
        text += f". Withdrawn: {advisory.withdrawal_reason}"
    elif advisory.status is AdvisoryStatus.SUPERSEDED:
        text += ". Superseded by an update."
    if restricted and advisory.summary:
        text += f". {advisory.summary[:500]}"
    return text


def atom_bytes(user: User) -> bytes:
    rows = db.session.scalars(queries.list_shared(user).limit(FEED_ENTRIES)).all()
    restricted = queries.restricted_ids(user, [a.id for a in rows])
    updated = max((a.updated_at for a in rows), default=utcnow())
    parts = ['<?xml version="1.0" encoding="utf-8"?>', '<feed xmlns="http://www.w3.org/2005/Atom">',
             "<title>Palisade: shared with my organisation</title>",
             f"<id>{escape(external_url('sharing.index'))}</id>",
             f'<link rel="alternate" href="{escape(external_url("sharing.index"), {chr(34): "&quot;"})}"/>',
             f"<updated>{_iso(updated)}</updated>", "<author><name>Palisade</name></author>"]
    for advisory in rows:
        may = advisory.id in restricted
        link = external_url("advisories.detail", advisory_id=advisory.id)
        parts += ["<entry>", f"<title>{escape(entry_title(advisory, may))}</title>",
                  f"<id>{escape(link)}</id>", f'<link rel="alternate" href="{escape(link, {chr(34): "&quot;"})}"/>',
                  f"<updated>{_iso(advisory.updated_at)}</updated>",
                  f"<published>{_iso(advisory.released_at or advisory.created_at)}</published>",
                  f'<category term="{advisory.kind.value}" label="{escape(advisory.kind.label)}"/>',
                  f"<summary>{escape(entry_summary(advisory, may))}</summary>", "</entry>"]
    parts.append("</feed>")
    return "\n".join(parts).encode()


def _iso(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
