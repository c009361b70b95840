"""A package file kept in object storage, for a player: playlists answered here, the rest redirected.

A player resolves an HLS playlist's relative names (``720p/index.m3u8``, ``init.mp4``,
``seg3.m4s``) against the URL the playlist came from. A presigned URL carries its signature in its
query, which a resolved name drops, so a redirected playlist would send the player to unsigned,
refused segment URLs. A playlist (a few KB) is therefore answered by this route itself, read
from the store through its presigned URL, so its names resolve back to this route; every other
file (segments, init files, the sprite, thumbnails) is a 307 to its own presigned URL, and its
bytes never pass through the service."""

import asyncio

import httpx
from starlette.responses import RedirectResponse, Response

from services.common.blobs import BlobStore, BlobUnavailable
from services.common.errors import ServiceError
from services.transcoder.packages import media_type_of

PLAYLIST = ".m3u8"
PLAYLIST_MAX_BYTES = 1 << 20  # a ladder's playlists are a few KB; anything larger is not ours


def no_such_file() -> ServiceError:
    return ServiceError(404, "文件不存在", "no such file")


async def stored_member(blobs: BlobStore, key: str, ttl_s: float, timeout_s: float) -> Response:
    url = await blobs.url(key, max(1, int(ttl_s)), public=False)
    if not key.endswith(PLAYLIST):
        return RedirectResponse(url, status_code=307)
    try:
        # timeout_s bounds the whole read, not each step: a store that drips cannot hold the route.
        async with (
            asyncio.timeout(timeout_s),
            httpx.AsyncClient(timeout=timeout_s) as client,
            client.stream("GET", url) as answer,
        ):
            if answer.status_code in (403, 404):  # S3 answers 403 for a missing key without ListBucket
                raise no_such_file()
            answer.raise_for_status()
            body = b""
            async for chunk in answer.aiter_bytes():
                body += chunk
                if len(body) > PLAYLIST_MAX_BYTES:
                    raise no_such_file()
    except (httpx.HTTPError, TimeoutError) as exc:
        raise BlobUnavailable(key, exc) from exc
    return Response(body, media_type=media_type_of(key), headers={"Cache-Control": "no-store"})
