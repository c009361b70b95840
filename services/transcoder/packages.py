"""Multi-file renditions (an HLS ladder, a sprite and its WebVTT) stored as one content-addressed directory.

HLS playlists name their segments by relative paths, so a ladder only works as a directory.
The package is named by a sha256 over its file list (each file's sha256, size and path,
sorted), so the name pins every byte below it, the same package made twice is stored once,
and nothing in it can change without its name changing. It is written in the job's work
directory and stored under ``packages/<sha256>/`` (on a directory, renamed in one step), so a reader never
sees half a package. Events reference a file in it as ``blob://package/<sha256>/<path>``
with that file's own sha256; the HTTP route serves ``/api/transcoder/packages/<sha256>/<path>``.
See docs/decisions/0004-transcoder-outputs.md."""

import asyncio
import hashlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from contracts import BlobRef
from services.common.blobs import BlobStore, file_sha256

URI_PREFIX = "blob://package/"
MEDIA_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
    ".vtt": "text/vtt",
    ".jpg": "image/jpeg",
}


@dataclass(frozen=True)
class Member:
    path: str  # POSIX, relative to the package root
    sha256: str
    size: int


@dataclass(frozen=True)
class Package:
    sha256: str
    members: dict[str, Member]

    def ref(self, path: str) -> BlobRef:
        m = self.members[path]
        media_type = MEDIA_TYPES.get(PurePosixPath(path).suffix, "application/octet-stream")
        uri = f"{URI_PREFIX}{self.sha256}/{path}"
        return BlobRef(uri=uri, sha256=m.sha256, size=m.size, media_type=media_type)


def package_hash(members: list[Member]) -> str:
    listing = "".join(f"{m.sha256} {m.size} {m.path}\n" for m in sorted(members, key=lambda m: m.path))
    return hashlib.sha256(listing.encode()).hexdigest()


def package_key(sha256: str) -> str:
    return f"packages/{sha256}"


def _members(directory: Path) -> list[Member]:
    return [
        Member(p.relative_to(directory).as_posix(), file_sha256(p), p.stat().st_size)
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    ]


async def store_package(blobs: BlobStore, directory: Path) -> Package:
    """Hash every file, then store the directory under its name (dropped when already stored)."""
    members = await asyncio.to_thread(_members, directory)
    sha = package_hash(members)
    await blobs.put_tree(directory, package_key(sha))
    return Package(sha, {m.path: m for m in members})


def member_key(sha256: str, path: str) -> str | None:
    """The store key of a file in a package, or None for a name that could leave the package."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        return None
    parts = PurePosixPath(path).parts
    if not parts or any(p in ("..", "") or p.startswith("/") for p in parts):
        return None
    return f"{package_key(sha256)}/{'/'.join(parts)}"


def member_path(blobs: BlobStore, sha256: str, path: str) -> Path | None:
    """The file for an HTTP request, or None; never a path outside the package. None on a
    backend without local files: ``stored_member`` answers there."""
    key = member_key(sha256, path)
    local = blobs.file_path(package_key(sha256))
    if key is None or local is None:
        return None
    root = local.resolve()
    candidate = root.joinpath(*PurePosixPath(path).parts).resolve()
    if root not in candidate.parents or not candidate.is_file():
        return None
    return candidate


def media_type_of(path: Path | str) -> str:
    return MEDIA_TYPES.get(PurePosixPath(str(path)).suffix, "application/octet-stream")
