"""Multi-file renditions (an HLS ladder, a sprite and its WebVTT) stored as one content-addressed directory.

HLS playlists name their segments by relative paths, so a ladder only works as a directory.
The package is named by a sha256 over its file list (each file's sha256, size and path,
sorted), so the name pins every byte below it, the same package made twice is stored once,
and nothing in it can change without its name changing. It is written in the job's work
directory and renamed into ``<blobs>/packages/<sha256>/`` in one step, so a reader never
sees half a package. Events reference a file in it as ``blob://package/<sha256>/<path>``
with that file's own sha256; the HTTP route serves ``/api/transcoder/packages/<sha256>/<path>``.
See docs/decisions/0004-transcoder-outputs.md."""

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from contracts import BlobRef
from services.common.blobs import BlobStore

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


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def package_hash(members: list[Member]) -> str:
    listing = "".join(f"{m.sha256} {m.size} {m.path}\n" for m in sorted(members, key=lambda m: m.path))
    return hashlib.sha256(listing.encode()).hexdigest()


def packages_root(blobs: BlobStore) -> Path:
    return blobs.root / "packages"


def store_package(blobs: BlobStore, directory: Path) -> Package:
    """Hash every file, then move the directory into place (or drop it when already stored)."""
    members = [
        Member(p.relative_to(directory).as_posix(), _file_sha256(p), p.stat().st_size)
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    ]
    sha = package_hash(members)
    final = packages_root(blobs) / sha
    final.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.rename(directory, final)  # same filesystem (work dirs live under the blob root): atomic
    except OSError:
        if not final.is_dir():
            raise
        shutil.rmtree(directory, ignore_errors=True)  # the same package is already there
    return Package(sha, {m.path: m for m in members})


def member_path(blobs: BlobStore, sha256: str, path: str) -> Path | None:
    """The file for an HTTP request, or None; never a path outside the package."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        return None
    root = (packages_root(blobs) / sha256).resolve()
    parts = PurePosixPath(path).parts
    if not parts or any(p in ("..", "") or p.startswith("/") for p in parts):
        return None
    candidate = root.joinpath(*parts).resolve()
    if root not in candidate.parents or not candidate.is_file():
        return None
    return candidate


def media_type_of(path: Path) -> str:
    return MEDIA_TYPES.get(path.suffix, "application/octet-stream")
