"""Checking a running system's OpenAPI document with schemathesis: which service a path belongs
to, the order operations run in, the objects positive cases refer to, and one operation exercised
in one generation mode with every conformance check. Used by ``test_openapi.py`` (every service)
and review's own OpenAPI test."""

import base64
import os
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import APIOperation, Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    missing_required_header,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import create_campaign, import_tree
from zhengji.samples import yanbian_form

# The paths each service answers on; a path belongs to the service with its longest prefix.
# Another service's routes join by adding their prefixes here.
SERVICE_PREFIXES: dict[str, tuple[str, ...]] = {
    "intake": (
        "/api/campaigns",
        "/api/submissions",
        "/api/tus",
        "/api/auth",
        "/api/users",
        "/api/units",
        "/api/setup",
        "/blobs",
        "/healthz",
        "/metrics",
    ),
    "intake-pages": (
        "/",
        "/login",
        "/signup",
        "/account",
        "/my",
        "/unit",
        "/admin",
        "/campaigns",
        "/submissions",
    ),
    "review": ("/api/review", "/review"),
    "publisher": ("/api/publisher", "/showcase"),
    "transcoder": ("/api/transcoder",),
    "notifier": ("/api/notifier", "/notifications"),
}
Operation = APIOperation[Any, Any, Any, Any]
CALLERS = ("anonymous", "campaign_admin")
# Per operation and generation mode: enough to find a wrong answer, quick on 2 cores; set
# ZHENGJI_OPENAPI_EXAMPLES for a deeper look before a release.
EXAMPLES = int(os.environ.get("ZHENGJI_OPENAPI_EXAMPLES", "12"))
# Refusals a negative request may get besides schemathesis' defaults: tus answers a wrong
# protocol version with 412 (tus 1.0), and a body declared larger than allowed with 413.
# A valid request may still be refused by what the campaign's rules and stored state say (a unit
# that does not exist, a file type the campaign does not take: 410, 413, 415, 422 with a message);
# ``passes_validation`` below fails the 422s that come from the document's own request schema.
CONFIG = schemathesis.Config.from_dict(
    {
        "checks": {
            "negative_data_rejection": {
                "expected-statuses": [400, 401, 403, 404, 405, 406, 409, 412, 413, 415, 422, 428, 429]
            },
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", 401, 403, 404, 409, 410, 413, 415, 422, 429]
            },
        }
    }
)


@schemathesis.check
def passes_validation(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: Case[Any]
) -> bool:
    """A schema-valid request is never refused by request validation (the 422 whose body lists
    ``errors``): the document and the code describe the same request."""
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    if positive and response.status_code == 422 and "errors" in (response.json().get("detail") or {}):
        raise AssertionError(f"a schema-valid request failed validation: {response.text[:500]}")
    return True


# tus sends a file's bytes as application/offset+octet-stream: bytes as they are.
schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    positive_data_acceptance,
    negative_data_rejection,
    missing_required_header,
    passes_validation,
]


def belongs(path: str, prefix: str) -> bool:
    return path == prefix or (prefix != "/" and path.startswith(prefix.rstrip("/") + "/"))


def service_of(path: str) -> str | None:
    """The service that owns ``path``: the longest prefix that matches it."""
    matches = [
        (len(p), name) for name, prefixes in SERVICE_PREFIXES.items() for p in prefixes if belongs(path, p)
    ]
    return max(matches)[1] if matches else None


def run_order(operation: Operation) -> tuple[bool, str, str]:
    """Operations that end things (withdrawing, terminating, logging out) run last, so the
    others still find the entry, the upload and the login."""
    ending = operation.method.upper() == "DELETE" or operation.path.endswith("/logout")
    return (ending, operation.path, operation.method)


async def known_objects(api: httpx.AsyncClient) -> dict[str, str]:
    """Real documents for path parameters in positive cases: the tree, a campaign, an entry
    and an unfinished tus upload."""
    await import_tree(api)
    cid = await create_campaign(api)
    entry = await api.post(
        f"/api/campaigns/{cid}/entries",
        json={"form": yanbian_form(1), "unit_code": "222401001", "group": "小学组"},
    )
    assert entry.status_code == 201, entry.text
    sid = entry.json()["submission_id"]
    meta = {"submission_id": sid, "filename": "作品.mp4", "filetype": "video/mp4"}
    upload = await api.post(
        "/api/tus/",
        headers={
            "Tus-Resumable": "1.0.0",
            "Upload-Length": "1000",
            "Upload-Metadata": ",".join(
                f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in meta.items()
            ),
        },
    )
    assert upload.status_code == 201, upload.text
    return {
        "campaign_id": cid,
        "submission_id": sid,
        "code": "222401001",
        "upload_id": upload.headers["Location"].rsplit("/", 1)[-1],
    }


def exercise(
    operation: Operation,
    mode: GenerationMode,
    base_url: str,
    headers: dict[str, str],
    known: dict[str, str],
) -> str | None:
    """Run one operation's bounded batch; the first failure found, described, or None."""
    names = {p.name for p in operation.path_parameters}
    fixed = {k: v for k, v in known.items() if k in names} if mode == GenerationMode.POSITIVE else None

    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=fixed))
    def batch(case: Case[Any]) -> None:
        case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS, timeout=30)

    try:
        batch()
    except Unsatisfiable:
        if mode == GenerationMode.NEGATIVE:
            return None  # nothing in this operation's parameters can be made invalid
        raise
    except FailureGroup as group:
        return f"{operation.label} [{mode.value}]: {group}"
    except Exception as exc:  # a generation error is a finding about the document too
        return f"{operation.label} [{mode.value}]: {type(exc).__name__}: {exc}"
    return None
