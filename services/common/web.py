"""How a route reaches the service it belongs to, as a FastAPI dependency.

Routers live at module level (one per module, like any FastAPI app's); the running services
are put on ``app.state.services`` by the runtime (``zhengji/runtime.py``), so a route is given its
service by ``Annotated[ReviewService, Depends(service(ReviewService))]`` instead of closing over
it. The same router then serves any app the service is part of (embedded or alone)."""

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import Request

from contracts.campaign import Campaign
from services.common.consumer import NotReady
from services.common.errors import ServiceError, responses
from services.common.service import Service

S = TypeVar("S", bound=Service)


def service_of(request: Request, name: str) -> Any:
    """The running service called ``name`` in the app that got ``request``."""
    return request.app.state.services[name]


def service(kind: type[S]) -> Callable[[Request], S]:
    """A dependency that gives a route its running service of type ``kind``."""

    def dependency(request: Request) -> S:
        found = service_of(request, kind.name)
        assert isinstance(found, kind), f"{kind.name} is a {type(found).__name__}"
        return found

    return dependency


async def campaign_of(svc: Service, campaign_id: str) -> Campaign:
    """The campaign, or a 404 while this service has not heard of it."""
    try:
        return await svc.campaign(campaign_id)
    except NotReady as exc:
        raise ServiceError(404, f"活动 {campaign_id} 不存在", str(exc)) from exc


def page_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses(*statuses)`` for a route that answers with a page: its refusals are still the
    JSON error body, which FastAPI would otherwise document in the page's media type."""
    body = {"schema": {"$ref": "#/components/schemas/ErrorBody"}}
    return {
        status: {"description": answer["description"], "content": {"application/json": body}}
        for status, answer in responses(*statuses).items()
    }
