"""A stored blob as an HTTP answer: the file itself where the store keeps files (Starlette then
answers range requests, so a video seeks), else a redirect to the store's URL for it (presigned,
for the caller checked), so the bytes never pass through a service."""

from starlette.responses import FileResponse, RedirectResponse, Response

from services.common.blobs import BlobStore, blob_key


async def blob_response(blobs: BlobStore, sha256: str, ttl_s: float = 3600) -> Response:
    key = blob_key(sha256)
    path = blobs.file_path(key)
    if path is not None:
        return FileResponse(path)
    # The caller has checked who is asking: a short presigned link, never the public base, since
    # originals and forms are not public (blob_links.py).
    return RedirectResponse(await blobs.url(key, max(1, int(ttl_s)), public=False), status_code=307)
