"""Whole entries (issue 14, decision 0033) on the whole system (real broker, store, ffmpeg): Yanbian
entries with their courseware (a PDF whose metadata names its author) go through checks, approval
and into the county round. A reviewer's view lists the courseware and the form's fields with no
entrant's name, and the courseware served is a copy without the author; the page shows it in
Chromium. The chair (or the campaign admin) downloads the round as one ZIP: its index sheet, read
with openpyxl, names every entry's files, and every one is in the ZIP."""

import io
import zipfile
from pathlib import Path

import httpx
from openpyxl import load_workbook
from playwright.async_api import Page, expect

from tests.browser import browser, page, screenshot
from tests.conftest import eventually, import_tree
from tests.e2e.campaign_play import approve_when_checked, bearer, clip, enter
from tests.e2e.yanbian_site import COUNTY_EXPERTS, SCHOOLS, UNITS, small_yanbian
from tests.metadata_samples import AUTHOR, pdf
from zhengji.demo import tus_upload
from zhengji.samples import yanbian_form
from zhengji.standin import StandIn, serving

__all__ = ["browser", "page"]  # the fixtures the test uses

# (school, title, author): two Yanji entries, scored by Yanji's panel
ENTRIES = [
    ("222401001", "杨靖宇将军的故事", "王小明"),
    ("222401002", "龙井红色遗址寻访", "李红"),
]
NAMES = {n for school, _, author in ENTRIES for n in (author, SCHOOLS[school], school)}


async def test_reviewers_see_the_courseware_blind_and_the_chair_downloads_the_round(
    system: httpx.AsyncClient, tmp_path: Path, page: Page
) -> None:
    api, cid = system, "whole-entries-e2e"
    await import_tree(api, UNITS)
    async with serving(StandIn()) as platform:  # the preset names platforms; nothing is published here
        definition = small_yanbian(cid, platform)
    made = await api.post("/api/campaigns", json={"definition_yaml": definition})
    assert made.status_code == 201, made.text
    sids = []
    for i, (school, title, author) in enumerate(ENTRIES, start=1):
        form = yanbian_form(i, name=author, title=title, school=SCHOOLS[school], recommender=SCHOOLS[school])
        media = await clip(tmp_path / f"{i}.mp4", 300 + 40 * i, size="320x180")
        sid = await enter(api, cid, form, school, media.read_bytes(), group="小学组")
        slides = pdf(author=AUTHOR)
        assert AUTHOR.encode() in slides  # the original names its author
        up = await tus_upload(
            api, slides, submission_id=sid, material="courseware", filename=f"{author}-课件.pdf"
        )
        assert up.status_code == 204, up.text

        async def attached(sid: str = sid) -> bool:
            held = (await api.get(f"/api/submissions/{sid}")).json()["materials"]
            return bool((held.get("courseware") or {}).get("files"))

        await eventually(attached, 60, "the courseware attached to its entry")
        sids.append(sid)
    await approve_when_checked(api, cid, sids)

    imported = await api.post(
        f"/api/review/campaigns/{cid}/levels/county/experts",
        content=COUNTY_EXPERTS.encode(),
        headers={"content-type": "text/csv"},
    )
    assert imported.status_code == 201, imported.text
    tokens = {e["name"]: e["token"] for e in imported.json()["experts"]}
    opened = await api.post(f"/api/review/campaigns/{cid}/rounds", json={"level": "county"})
    assert opened.status_code == 201, opened.text
    rid = opened.json()["round_id"]

    # A Yanji reviewer: both entries, each with its courseware, and nobody's name anywhere.
    reviewer = bearer(tokens["朴老师"])
    mine = await api.get("/api/review/me/assignments", headers=reviewer)
    assert sorted(i["entry"]["submission_id"] for i in mine.json()) == sorted(sids)
    for item in mine.json():
        sid = item["entry"]["submission_id"]
        shown = await api.get(f"/api/review/rounds/{rid}/entries/{sid}", headers=reviewer)
        assert shown.status_code == 200, shown.text
        assert not [n for n in NAMES if n in shown.text], shown.text
        materials = shown.json()["entry"]["materials"]
        assert [(m["label"], m["file_name"]) for m in materials] == [("课件", "courseware.pdf")]
        served = await api.get(materials[0]["url"], headers=reviewer)
        assert served.status_code == 200, served.text
        assert served.content.startswith(b"%PDF") and AUTHOR.encode() not in served.content
        assert "课件" not in served.headers["content-disposition"]  # not the entrant's file name
    # Another county's reviewer is not assigned these entries, so gets no file.
    other = await api.get(materials[0]["url"], headers=bearer(tokens["李老师"]))
    assert other.status_code == 403

    # The page shows the courseware in Chromium.
    base = str(api.base_url).rstrip("/")
    await page.goto(f"{base}/review/login?token={tokens['朴老师']}")
    await page.locator("#assignments tbody tr").first.get_by_role("link").click()
    await expect(page.locator("#entry-materials li")).to_have_count(1)
    await expect(page.locator("#entry-materials")).to_contain_text("课件")
    body = await page.locator("main").inner_text()
    assert not [n for n in NAMES if n in body]
    await screenshot(page, "review-whole-entry-materials")

    # Score both (the preset's 2024 window has passed: the chair allows it), then the chair downloads.
    chair = bearer(tokens["金组长"])
    reason = {"reason": "重放往年通知，评审时间已过 / replaying a past notice"}
    late = await api.post(f"/api/review/rounds/{rid}/late-scoring", json=reason, headers=chair)
    assert late.status_code == 201, late.text
    rubric = [c["key"] for c in (await api.get(f"/api/review/campaigns/{cid}/plan")).json()["rubric"]]
    marks = dict(zip(sids, ("95", "85"), strict=True))
    for token in tokens.values():
        for item in (await api.get("/api/review/me/assignments", headers=bearer(token))).json():
            sid = item["entry"]["submission_id"]
            sheet = {"sheet": dict.fromkeys(rubric, marks[sid])}
            r = await api.put(
                f"/api/review/rounds/{rid}/entries/{sid}/sheet", json=sheet, headers=bearer(token)
            )
            assert r.status_code == 200, r.text
    assert (await api.get(f"/api/review/rounds/{rid}/entries.zip", headers=reviewer)).status_code == 403
    got = await api.get(f"/api/review/rounds/{rid}/entries.zip", headers=chair)
    assert got.status_code == 200, got.text
    archive = zipfile.ZipFile(io.BytesIO(got.content))
    assert archive.testzip() is None
    sheet = load_workbook(io.BytesIO(archive.read("index.xlsx"))).active
    assert sheet is not None
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert sorted((r[1], r[2], r[3], r[7]) for r in rows) == [
        ("杨靖宇将军的故事", "延吉市第一小学", "小学组", 95.0),
        ("龙井红色遗址寻访", "延吉市第二小学", "小学组", 85.0),
    ]
    listed = [path for r in rows for path in str(r[9]).split("\n")]
    assert len(listed) == 4 and {p.rsplit("/", 1)[1] for p in listed} == {"work.mp4", "courseware.pdf"}
    assert set(listed) <= set(archive.namelist())
    for path in listed:
        assert archive.getinfo(path).file_size > 0
    # The campaign admin (this client's login) may take it too.
    by_admin = await api.get(f"/api/review/rounds/{rid}/entries.zip")
    assert by_admin.status_code == 200, by_admin.text
    assert zipfile.ZipFile(io.BytesIO(by_admin.content)).namelist() == archive.namelist()
