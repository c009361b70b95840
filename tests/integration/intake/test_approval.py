"""Unit approval (推荐单位审核) and resubmission, through the whole pipeline with tiny clips."""

import base64
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import client_as, eventually
from tests.integration.intake.conftest import (
    create_tiny,
    fake_pdf,
    register,
    stage_is,
    tiny_video,
    tus_upload,
)
from zhengji import samples
from zhengji.samples import yanbian_form


def metadata(values: dict[str, str]) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


async def upload(api: httpx.AsyncClient, sid: str, path: Path, material: str | None = None) -> None:
    meta = {"submission_id": sid, "filename": path.name}
    if material:
        meta["material"] = material
    await tus_upload(api, path, meta)


async def test_an_entry_goes_to_review_only_once_its_unit_approves_it(
    system: httpx.AsyncClient, tmp_path: Path
) -> None:
    cid = await create_tiny(system)
    approved, returned = await register(system, cid, 1), await register(system, cid, 2, "222401002")
    await upload(system, approved, await tiny_video(tmp_path / "a.mp4"))
    await upload(system, returned, await tiny_video(tmp_path / "b.mp4", tone=550))
    for sid in (approved, returned):
        waiting = await stage_is(system, sid, "awaiting_approval")
        assert waiting["stage_label_zh"] == "检测通过，待推荐单位审核"

    async with client_as(system, "yanji-admin", "unit_admin", "222401") as county:
        early = await county.post(f"/api/submissions/{approved}/approve", json={})
        assert early.status_code == 409
        assert early.json()["detail"]["missing"] == ["courseware", "registration_form"]
        assert "尚缺必交材料：课件、参赛报名表" in early.json()["detail"]["message_zh"]
        await upload(system, approved, fake_pdf(tmp_path / "课件.pdf", "courseware"), "courseware")
        await upload(system, approved, fake_pdf(tmp_path / "报名表.pdf"), "registration_form")

        ok = await county.post(f"/api/submissions/{approved}/approve", json={"note": "同意推荐"})
        assert ok.status_code == 200, ok.text
        assert (ok.json()["stage"], ok.json()["approval"]["state"]) == ("in_review", "approved")
        assert (await county.post(f"/api/submissions/{approved}/approve", json={})).status_code == 409
        meta = {"submission_id": approved, "filename": "新报名表.pdf", "material": "registration_form"}
        late = await system.post(
            "/api/tus/",
            headers={"Tus-Resumable": "1.0.0", "Upload-Length": "100", "Upload-Metadata": metadata(meta)},
        )
        assert late.status_code == 409 and "已通过单位审核" in late.json()["detail"]["message_zh"]

        no_reason = await county.post(f"/api/submissions/{returned}/return", json={"reason": " "})
        assert no_reason.status_code == 422 and "退回原因" in no_reason.json()["detail"]["message_zh"]
        essay = await county.post(f"/api/submissions/{returned}/return", json={"reason": "太长" * 251})
        assert essay.status_code == 422, "a reason that would not fit an SMS or e-mail is refused"
        back = await county.post(f"/api/submissions/{returned}/return", json={"reason": "片头未显示学校名称"})
        assert back.status_code == 200 and back.json()["stage"] == "returned"
        assert back.json()["approval"]["reason"] == "片头未显示学校名称"

    async def approved_in_timeline() -> bool:
        sub = (await system.get(f"/api/submissions/{approved}")).json()
        return (
            any(e["event_type"] == "submission.approved" for e in sub["timeline"])
            and sub["stage"] == "in_review"
        )

    await eventually(approved_in_timeline, 60, "the approved event, published and consumed back")

    # The returned entry: a new version answers the return, and both versions keep their reports.
    await upload(system, returned, await tiny_video(tmp_path / "b2.mp4", tone=660))
    again = await stage_is(system, returned, "awaiting_approval")
    assert again["version"] == 2 and again["approval"]["state"] == "pending"
    assert [v["report"]["passed"] for v in again["versions"]] == [True, True]
    assert [e["event_type"] for e in again["timeline"]].count("intake.returned") == 1


async def test_a_unit_quota_caps_the_entries_its_admin_can_approve(
    system: httpx.AsyncClient, tmp_path: Path
) -> None:
    video = {
        "key": "video",
        "label": "视频",
        "kind": "video",
        "primary": True,
        "video": {"containers": ["mp4"]},
    }
    series = [{"key": "mooc", "name": "优质慕课", "materials": [video], "quotas": {"county": 1}}]
    form = [*demo_fields(), {"key": "series", "label": "征集系列", "kind": "choice", "choices": ["优质慕课"]}]
    cid = await create_tiny(system, "quota", materials=[], series=series, form=form)
    first = await register(system, cid, 1, series="优质慕课")
    second = await register(system, cid, 2, "222401002", series="优质慕课")
    for n, sid in enumerate((first, second)):
        await upload(system, sid, await tiny_video(tmp_path / f"q{n}.mp4", tone=300 + n))
    for sid in (first, second):
        await stage_is(system, sid, "awaiting_approval")
    async with client_as(system, "yanji-admin", "unit_admin", "222401") as county:
        assert (await county.post(f"/api/submissions/{first}/approve", json={})).status_code == 200
        full = await county.post(f"/api/submissions/{second}/approve", json={})
        assert full.status_code == 409
        assert full.json()["detail"]["message_zh"] == "已达推荐名额：延吉市本系列最多推荐1件（已推荐1件）"
        summary = (await county.get(f"/api/campaigns/{cid}/summary?level=county")).json()
        (row,) = summary["by_unit"]
        assert row["quota"] == [{"series": "mooc", "level": "county", "limit": 1, "kind": "max", "used": 1}]
    assert (await system.get(f"/api/submissions/{second}")).json()["stage"] == "awaiting_approval"


def demo_fields() -> list[dict[str, Any]]:
    keys = yanbian_form().keys()
    return [{"key": k, "label": k, "required": False} for k in keys]


async def test_after_a_failed_check_a_new_version_is_checked_and_both_reports_are_kept(
    system: httpx.AsyncClient, tmp_path: Path
) -> None:
    cid = await create_tiny(system)
    sid = await register(system, cid)
    await upload(system, sid, samples.not_media(tmp_path / "broken.mp4"))
    failed = await stage_is(system, sid, "failed_validation")
    assert failed["upload"]["allowed"] is True and failed["upload"]["message_zh"] == "可以上传"
    await upload(system, sid, await tiny_video(tmp_path / "fixed.mp4"))
    fixed = await stage_is(system, sid, "awaiting_approval")
    first, second = fixed["versions"]
    assert (first["version"], first["report"]["passed"]) == (1, False)
    assert [f["rule_id"] for f in first["report"]["findings"]] == ["file.readable"]
    assert first["report"]["findings"][0]["message_zh"]
    assert (second["version"], second["report"]["passed"]) == (2, True)
    assert first["media"]["sha256"] != second["media"]["sha256"]
