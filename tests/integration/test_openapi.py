"""The OpenAPI document is true: schemathesis checks every documented operation against it.

The whole system runs (all five services on the test's broker and store) with the organisation
tree, a campaign, an entry and an unfinished tus upload in place, so positive cases reach real
documents. Each operation gets a bounded, derandomised batch of schema-valid (positive) and
schema-invalid (negative) requests, anonymous and as the campaign admin; every answer must have
a documented status, content type, headers and body, no valid request may be refused and no
invalid one accepted.

One test per service (``SERVICE_PREFIXES``) and caller: ``pytest -k "openapi and intake"`` runs
only intake's operations."""

import asyncio
import json

import httpx
import pytest
import schemathesis
from schemathesis import GenerationMode
from schemathesis.core.result import Err

from services.common.settings import Settings
from tests.conftest import admin_login
from tests.integration.openapi_conformance import (
    CALLERS,
    CONFIG,
    SERVICE_PREFIXES,
    Operation,
    exercise,
    known_objects,
    run_order,
    service_of,
)
from zhengji.runtime import SERVICES
from zhengji.server import running


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("service", list(SERVICE_PREFIXES))
async def test_openapi_document_is_true(settings: Settings, service: str, caller: str) -> None:
    base_url = settings.base_url()
    # Generated logins fail by the hundred from one address; the throttle would lock the admin out.
    settings = settings.model_copy(update={"login_max_failures": 1_000_000})
    async with running(settings, list(SERVICES)), httpx.AsyncClient(base_url=base_url, timeout=30) as api:
        await admin_login(api)
        known = await known_objects(api)
        document = (await api.get("/openapi.json")).json()
        schema = schemathesis.openapi.from_dict(document, config=CONFIG)
        failures: list[str] = []
        operations: list[Operation] = []
        for result in schema.get_all_operations():
            if isinstance(result, Err):
                failures.append(f"the document is invalid: {result.err()}")
            elif service_of(result.ok().path) == service:
                operations.append(result.ok())
        operations.sort(key=run_order)
        assert operations, f"no operations documented for {service}"

        async def headers_for() -> dict[str, str]:
            if caller == "anonymous":
                return {}
            await admin_login(api)  # a fresh login each time: an earlier logout ended the last one
            return {"Authorization": str(api.headers["Authorization"])}

        for operation in operations:
            headers = await headers_for()
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                # Schemathesis calls with blocking requests: off the loop that serves them.
                found = await asyncio.to_thread(exercise, operation, mode, base_url, headers, known)
                if found:
                    failures.append(found)
        report = json.dumps(
            {"service": service, "caller": caller, "operations": len(operations), "failing": len(failures)}
        )
        print(report)  # the numbers, for the log of a passing run too
        assert not failures, report + "\n\n" + "\n\n".join(failures)
