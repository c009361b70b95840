"""All of the notifier's routes: the API and the pages."""

from fastapi import APIRouter

from services.notifier.api import router as api
from services.notifier.pages import router as pages

router = APIRouter()
router.include_router(api)
router.include_router(pages)
