"""A stored blob as an HTTP answer: the file itself where the store keeps files (Starlette then
answers range requests, so a video seeks), else a redirect to the store's URL for it (presigned,
or the public/CDN base), so the bytes never pass through a service."""

from starlette.responses import FileResponse, RedirectResponse, Response

from services.common.blobs import BlobStore, blob_key


async def blob_response(blobs: BlobStore, sha256: str) -> Response:
    key = blob_key(sha256)
    path = blobs.file_path(key)
    if path is not None:
        return FileResponse(path)
    return RedirectResponse(await blobs.url(key), status_code=307)
