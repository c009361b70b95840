"""All of review's routes: the JSON API (admin, reviewer, chair, public), certificates and the web
pages."""

from fastapi import APIRouter

from services.review.api import router as api
from services.review.bundle_api import router as bundle
from services.review.certificate_api import router as certificates
from services.review.pages import router as pages

router = APIRouter()
router.include_router(api)
router.include_router(certificates)
router.include_router(bundle)
router.include_router(pages)
