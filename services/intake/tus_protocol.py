"""tus 1.0 as this server speaks it: its constants, and how its requests and answers show in
the OpenAPI document (headers are the protocol's words there, so they are listed by hand)."""

import re
from typing import Any

from fastapi import Response

from services.common.errors import responses

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,termination,expiration"
PREFIX = "/api/tus"
UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")
OCTETS = "application/offset+octet-stream"
TUS_HEADERS = {"Tus-Resumable": TUS_VERSION, "Cache-Control": "no-store"}


# The protocol's request headers, as the document shows them. The routes read and check them
# themselves, for the refusals tus prescribes (412 for another version, 400 for a missing or
# malformed number); metadata that cannot be used (not base64, no submission or file name) is
# a well-formed header with unusable content: 422.
def _header(name: str, description: str, **schema: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "header",
        "required": True,
        "description": description,
        "schema": {"type": "string", **schema},
    }


VERSION_HEADER = _header("Tus-Resumable", "The tus version", enum=[TUS_VERSION])
LENGTH_HEADER = _header(
    "Upload-Length", "The file's size in bytes (an empty file is refused)", pattern="^[1-9][0-9]*$"
)
METADATA_HEADER = _header(
    "Upload-Metadata",
    "key base64(value) pairs, comma-separated: submission_id, filename, optionally material and filetype",
)
OFFSET_HEADER = _header("Upload-Offset", "Where these bytes go in the file", pattern="^[0-9]+$")
PATCH_REQUEST = {
    "parameters": [VERSION_HEADER, OFFSET_HEADER],
    "requestBody": {
        "required": True,
        "content": {OCTETS: {"schema": {"type": "string", "format": "binary"}}},
    },
}


def tus_answer(description: str, *headers: str) -> dict[str, Any]:
    shown = {name: {"schema": {"type": "string"}} for name in ("Tus-Resumable", *headers)}
    return {"description": description, "headers": shown}


def tus_route(
    status: int,
    description: str,
    headers: list[str],
    refusals: list[int],
    request: dict[str, Any] | None = None,
    response_class: type[Response] = Response,
) -> dict[str, Any]:
    """A tus route's status and documented answers: its own with the headers it sets, and
    its refusals besides those every tus route may give (login, access, version, bad input).
    ``request``: its request headers and body for the document; the version header alone
    unless said."""
    return {
        "status_code": status,
        "response_class": response_class,
        "responses": {
            status: tus_answer(description, *headers),
            **responses(401, 403, 404, 412, 422, *refusals),
        },
        "openapi_extra": request or {"parameters": [VERSION_HEADER]},
    }


DISCOVERY: dict[str, Any] = {
    "status_code": 204,
    "response_class": Response,
    "responses": {
        204: tus_answer("服务器支持的 tus 协议 / what the server speaks", "Tus-Version", "Tus-Extension")
    },
}
