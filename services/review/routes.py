"""All of review's routes: the JSON API (admin, reviewer, chair, public) and the web pages."""

from fastapi import APIRouter

from services.review.api import router as api
from services.review.pages import router as pages

router = APIRouter()
router.include_router(api)
router.include_router(pages)
