"""All of the publisher's routes: the admin API and the public showcase."""

from fastapi import APIRouter

from services.publisher.api import router as api
from services.publisher.pages import router as pages

router = APIRouter()
router.include_router(api)
router.include_router(pages)
