"""获奖证书 for a finalised round: one page per award with the Chinese font embedded, a QR code that
scans to the verification page, the same numbers on every download, and a public check of each
number (page and API) that shows what the certificate was issued for."""

import io
import re
import zipfile
from dataclasses import replace
from typing import cast

import httpx
import numpy as np
import zxingcpp
from playwright.async_api import Page, expect
from pypdf import PageObject, PdfReader
from pypdf.generic import ContentStream, DictionaryObject

from services.common.settings import Settings
from tests.browser import screenshot
from tests.integration.review.feed import bearer, round_of, score_everything
from tests.integration.review.test_review_flow import EXPERTS, MARKS, WORKS, yanbian

PX_PER_PT = 4


def qr_in(page: PageObject) -> str:
    """The text of the QR code drawn on ``page``: its filled rectangles rasterised as a scanner
    would see them, and decoded by zxing (the same library the validator reads QR codes with)."""
    size = (int(page.mediabox.width) * PX_PER_PT, int(page.mediabox.height) * PX_PER_PT)
    image = np.full((size[1], size[0]), 255, dtype=np.uint8)
    stack, matrix, pending = [], (1.0, 0.0, 0.0, 1.0, 0.0, 0.0), []
    for operands, op in ContentStream(page.get_contents(), page.pdf).operations:
        if op == b"q":
            stack.append(matrix)
        elif op == b"Q":
            matrix = stack.pop()
        elif op == b"cm":
            a, b, c, d, e, f = (float(x) for x in operands)
            m = matrix
            matrix = (
                a * m[0] + b * m[2], a * m[1] + b * m[3], c * m[0] + d * m[2],
                c * m[1] + d * m[3], e * m[0] + f * m[2] + m[4], e * m[1] + f * m[3] + m[5],
            )  # fmt: skip
        elif op == b"re":
            x, y, w, h = (float(v) for v in operands)
            pending.append([(x, y), (x + w, y + h)])
        elif op in (b"f", b"f*", b"B", b"b"):
            for corners in pending:
                a, b, c, d, e, f = matrix
                xs, ys = zip(*((a * x + c * y + e, b * x + d * y + f) for x, y in corners), strict=True)
                left, right = round(min(xs) * PX_PER_PT), round(max(xs) * PX_PER_PT)
                top, bottom = size[1] - round(max(ys) * PX_PER_PT), size[1] - round(min(ys) * PX_PER_PT)
                image[top:bottom, left:right] = 0
            pending = []
        elif op in (b"S", b"n"):
            pending = []
    found = zxingcpp.read_barcode(image)
    assert found is not None, "no QR code on the page"
    return str(found.text)


async def test_a_finalised_round_prints_certificates_that_verify(
    review_api: httpx.AsyncClient, settings: Settings, page: Page
) -> None:
    campaign = yanbian("yanbian-certs", review_levels=[yanbian("x").review_levels[1]])
    # Named authors: printed on their certificates, never shown by Yanbian's public check.
    works = [replace(w, author=f"{w.title}的作者") for w in WORKS[:4]]
    rid, tokens = await round_of(
        review_api, settings.kafka_bootstrap_servers, campaign, works, "prefecture", EXPERTS
    )
    chair = bearer(tokens["金老师"])
    await score_everything(review_api, rid, tokens, MARKS)
    early = await review_api.get(f"/api/review/rounds/{rid}/certificates.pdf", headers=chair)
    assert early.status_code == 409 and "尚未定稿" in early.json()["detail"]["message_zh"]
    final = await review_api.post(f"/api/review/rounds/{rid}/finalise", headers=chair)
    assert final.status_code == 200, final.text

    got = await review_api.get(f"/api/review/rounds/{rid}/certificates.pdf", headers=chair)
    assert got.status_code == 200 and got.headers["content-type"] == "application/pdf"
    pdf = PdfReader(io.BytesIO(got.content))
    assert len(pdf.pages) == 2  # the two 优秀资源奖 of the exports test, one page each
    codes = []
    for sheet, title in zip(pdf.pages, ("杨靖宇的故事", "龙井红色遗址"), strict=True):
        text = sheet.extract_text()
        assert f"《{title}》" in text and "优秀资源奖" in text and "获" in text and campaign.issuer in text
        assert f"{title}的作者" in text
        resources = cast(DictionaryObject, sheet["/Resources"])
        fonts = [f.get_object() for f in cast(DictionaryObject, resources["/Font"]).values()]
        chinese = [f for f in fonts if f["/Subtype"] == "/TrueType"]  # (and reportlab's Helvetica)
        # reportlab embeds the Chinese font as TrueType subsets: every one travels with the file.
        assert chinese and all("/FontFile2" in f["/FontDescriptor"].get_object() for f in chinese)
        [link] = [a.get_object()["/A"]["/URI"] for a in sheet.annotations or []]
        assert qr_in(sheet) == link and link.startswith(settings.base_url())
        codes.append(link.rsplit("/", 1)[1])
    assert len(set(codes)) == 2 and all(re.fullmatch(r"([0-9A-F]{4}-){3}[0-9A-F]{4}", c) for c in codes)

    zipped = await review_api.get(f"/api/review/rounds/{rid}/certificates.zip", headers=chair)
    with zipfile.ZipFile(io.BytesIO(zipped.content)) as z:
        names = sorted(z.namelist())
        assert [n[:19] for n in names] == sorted(codes)  # the same numbers on every download
        assert all(len(PdfReader(io.BytesIO(z.read(n))).pages) == 1 for n in names)

    shown = await review_api.get(f"/review/verify/{codes[0]}")
    assert shown.status_code == 200 and "证书真实有效" in shown.text and "《杨靖宇的故事》" in shown.text
    typed = codes[1].replace("-", "").lower()  # as typed from paper
    answer = await review_api.get(f"/api/review/certificates/{typed}")
    assert answer.status_code == 200
    assert answer.json() | {"issued_on": None} == {
        "code": codes[1],
        "campaign_title": campaign.title,
        "issuer": campaign.issuer,
        "level_name": campaign.review_levels[0].name,
        "award": "优秀资源奖",
        "title": "龙井红色遗址",
        "author": None,  # Yanbian keeps authors' names out of public answers
        "unit_name": WORKS[1].unit_name,
        "issued_on": None,
    }
    # As a visitor's phone opens the QR code's address.
    await page.goto(f"{settings.base_url()}/review/verify/{codes[0]}")
    await expect(page.locator(".ok")).to_contain_text("证书真实有效")
    await expect(page.locator(".award")).to_have_text("优秀资源奖")
    await screenshot(page, "review-certificate-verified")
    forged = await review_api.get("/review/verify/0000-0000-0000-0000")
    assert forged.status_code == 404 and "未找到" in forged.text
    assert (await review_api.get("/api/review/certificates/<script>")).status_code == 404
    reviewer = await review_api.get(
        f"/api/review/rounds/{rid}/certificates.zip", headers=bearer(tokens["朴老师"])
    )
    assert reviewer.status_code == 403
