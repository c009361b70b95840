"""Which addresses from outside may become a link on a page: http(s) ones only.

A platform answers with the address of the published work, and the showcase shows it as a link.
A ``javascript:`` or ``data:`` address there would run in the showcase's origin when a visitor
clicks it, so such an address is dropped where it enters (the publisher storing the answer) and
again where it is rendered (records stored before this check)."""

from urllib.parse import urlsplit

WEB_SCHEMES = ("http", "https")


def web_link(url: object) -> str | None:
    """``url`` if it is an absolute http(s) address with a host, else None (shown as plain text)."""
    if not isinstance(url, str) or not url.isprintable():
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme.lower() in WEB_SCHEMES and parts.hostname else None
