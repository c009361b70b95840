"""A file handed to a person names itself one way: a Chinese name (RFC 5987, ``filename*``) with an
ASCII one for clients that read only ``filename``. Every download route's header is this one."""

from urllib.parse import quote


def attachment(name: str, fallback: str) -> dict[str, str]:
    """The Content-Disposition header of a download named ``name`` (``fallback`` for old clients)."""
    return {"content-disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"}
