"""Links to stored files for readers outside the services: players, platforms, the showcase.

A stored file is never served to whoever asks (an original or a stamped registration form
carries ID numbers). A reader either shows a login that may see the submission (intake's
``GET /blobs/{sha256}`` checks it) or holds a link made here, which expires:

- on object storage, the store's presigned URL (S3 signs with its credentials; at most 7 days);
- on a directory store, ``{public base}/blobs/{sha256}?expires=<unix s>&sig=<HMAC-SHA256>``,
  signed with ``ZHENGJI_BLOB_LINK_SECRET`` or a key made once and kept in the store itself
  (``keys/blob-links.key``), so every service sharing the directory signs and checks alike;
- a published rendition (``public=True``) through the CDN base ``ZHENGJI_BLOB_PUBLIC_URL`` when
  one is set: it is public once published, and a CDN caches only stable URLs.

Files of an HLS package are named by the package's hash over every byte in it (unguessable, like
a capability) and reached through the transcoder's package route, which answers playlists itself
and redirects segments to the store: a signature in a query string would not survive a player's
resolving of the playlist's relative segment names. See docs/decisions/0015-blob-links.md."""

import hashlib
import hmac
import os
import secrets
import tempfile
import time
from enum import Enum
from pathlib import Path

from contracts import BlobRef
from services.common.blobs import BlobStore, blob_key
from services.common.settings import Settings

PACKAGE_URI = "blob://package/"  # a file inside an HLS package (services/transcoder/packages.py)
PACKAGE_ROUTE = "/api/transcoder/packages/"
BLOB_ROUTE = "/blobs/"
KEY_FILE = "blob-links.key"


class LinkCheck(Enum):
    VALID = "valid"
    EXPIRED = "expired"
    FORGED = "forged"


def kept_secret(directory: Path) -> bytes:
    """The signing key kept in ``directory``: made once; a second maker loses the race and reads it."""
    path = directory / KEY_FILE
    if not path.exists():
        fd, tmp = tempfile.mkstemp(dir=directory)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)  # fails when another process made it first: theirs is kept
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    return path.read_text().strip().encode()


class BlobLinks:
    def __init__(self, blobs: BlobStore, settings: Settings) -> None:
        self.blobs = blobs
        self.base = settings.base_url().rstrip("/")
        self.public_url = settings.blob_public_url.rstrip("/") if settings.blob_public_url else None
        self.ttl_s = settings.blob_link_ttl_s
        self.platform_ttl_s = settings.blob_link_platform_ttl_s
        configured = settings.blob_link_secret
        self._secret = configured.get_secret_value().encode() if configured else None

    @property
    def secret(self) -> bytes:
        if self._secret is None:
            self._secret = kept_secret(self.blobs.work_dir("keys"))
        return self._secret

    def signature(self, sha256: str, expires: int) -> str:
        return hmac.new(self.secret, f"{sha256}\n{expires}".encode(), hashlib.sha256).hexdigest()

    def check(self, sha256: str, expires: int, sig: str, now: float | None = None) -> LinkCheck:
        if not hmac.compare_digest(self.signature(sha256, expires), sig):
            return LinkCheck.FORGED
        return LinkCheck.VALID if expires > (time.time() if now is None else now) else LinkCheck.EXPIRED

    async def blob(self, sha256: str, ttl_s: float | None = None, public: bool = False) -> str:
        """A link to a content-addressed blob, valid ``ttl_s`` (the page TTL when None)."""
        key = blob_key(sha256)
        ttl = self.ttl_s if ttl_s is None else ttl_s
        if public and self.public_url:
            return f"{self.public_url}/{key}"
        if self.blobs.file_path(key) is None:  # object storage signs its own links
            return await self.blobs.url(key, max(1, int(ttl)), public=False)
        expires = int(time.time() + ttl)
        return f"{self.base}{BLOB_ROUTE}{sha256}?expires={expires}&sig={self.signature(sha256, expires)}"

    async def rendition(self, ref: BlobRef, ttl_s: float | None = None, public: bool = False) -> str:
        """A link to a rendition: a blob, or a file of an HLS package."""
        if ref.uri.startswith(PACKAGE_URI):
            return await self.path(PACKAGE_ROUTE + ref.uri.removeprefix(PACKAGE_URI), ttl_s, public)
        return await self.blob(ref.sha256, ttl_s, public)

    async def path(self, path: str, ttl_s: float | None = None, public: bool = False) -> str:
        """A link for a rendition's path on zhengji's own address (``/blobs/<sha256>`` or a package
        file), as the publisher's records keep them."""
        if path.startswith(BLOB_ROUTE):
            return await self.blob(path.removeprefix(BLOB_ROUTE), ttl_s, public)
        if public and self.public_url and path.startswith(PACKAGE_ROUTE):
            return f"{self.public_url}/packages/{path.removeprefix(PACKAGE_ROUTE)}"
        return self.base + path
