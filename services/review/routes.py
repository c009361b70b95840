"""All of review's routes: the JSON API (admin, reviewer, chair, public), certificates and the web
pages."""

from fastapi import APIRouter

from services.review.api import router as api
from services.review.bundle_api import router as bundle
from services.review.certificate_api import router as certificates
from services.review.notice_pages import router as notice_pages
from services.review.pages import router as pages
from services.review.panel_progress import router as panel_progress

router = APIRouter()
router.include_router(api)
router.include_router(certificates)
router.include_router(bundle)
router.include_router(pages)
router.include_router(panel_progress)  # the statistics page's review progress (decision 0036)
router.include_router(notice_pages)
