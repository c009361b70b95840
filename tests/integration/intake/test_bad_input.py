"""Bad input: each gets its HTTP status and a Chinese message, and nothing already stored is harmed."""

import base64
import hashlib
import os
from pathlib import Path
from typing import Any

import httpx

from services.common.settings import Settings
from tests.conftest import OPEN_WINDOW, client_as
from tests.integration.intake.conftest import create_tiny, register, tus_upload
from zhengji.samples import yanbian_form

TUS = {"Tus-Resumable": "1.0.0"}
MB = 1024 * 1024


def metadata(**values: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


async def create(api: httpx.AsyncClient, length: int, **meta: str) -> httpx.Response:
    return await api.post(
        "/api/tus/", headers={**TUS, "Upload-Length": str(length), "Upload-Metadata": metadata(**meta)}
    )


def zh(r: httpx.Response) -> str:
    return str(r.json()["detail"]["message_zh"])


class Stored:
    """An entry whose first version is stored: every bad request afterwards must leave it as it is."""

    def __init__(self, sid: str, sha256: str, blob: Path) -> None:
        self.sid, self.sha256, self.blob = sid, sha256, blob

    async def intact(self, api: httpx.AsyncClient) -> None:
        sub = (await api.get(f"/api/submissions/{self.sid}")).json()
        assert sub["version"] == 1 and sub["media"]["sha256"] == self.sha256
        assert hashlib.sha256(self.blob.read_bytes()).hexdigest() == self.sha256


async def stored_entry(api: httpx.AsyncClient, settings: Settings, tmp_path: Path, cid: str) -> Stored:
    sid = await register(api, cid, 99)
    source = tmp_path / "stored.mp4"
    source.write_bytes(os.urandom(MB))
    await tus_upload(api, source, {"submission_id": sid, "filename": "stored.mp4"})
    sha = hashlib.sha256(source.read_bytes()).hexdigest()
    return Stored(sid, sha, settings.blobs_path() / "sha256" / sha[:2] / sha[2:])


def partial_files(settings: Settings) -> list[Path]:
    return list((settings.blobs_path() / "tus").iterdir())


async def test_bad_uploads_are_refused_before_any_byte(
    admin: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    cid = await create_tiny(admin)
    stored = await stored_entry(admin, settings, tmp_path, cid)
    sid = await register(admin, cid, 1)
    ok: dict[str, Any] = {"submission_id": sid, "filename": "clip.mp4"}

    too_big = await create(admin, 600 * MB, **ok)
    assert too_big.status_code == 413 and "超过" in zh(too_big) and "MB" in zh(too_big)
    html = await create(admin, MB, **{**ok, "filename": "clip.html", "filetype": "text/html"})
    assert html.status_code == 415 and "须为视频文件" in zh(html)
    for name, words in [
        ("../../etc/clip.mp4", "路径分隔符"),
        ("..\\clip.mp4", "路径分隔符"),
        ("clip\x07.mp4", "控制字符"),
    ]:
        r = await create(admin, MB, **{**ok, "filename": name})
        assert r.status_code == 400 and words in zh(r), name
    empty = await create(admin, 0, **ok)
    assert empty.status_code == 400 and "为空" in zh(empty)
    no_id = await create(admin, MB, filename="clip.mp4")
    assert no_id.status_code == 422 and "submission_id" in zh(no_id)
    unknown = await create(admin, MB, **{**ok, "material": "poster"})
    assert unknown.status_code == 422 and "没有材料" in zh(unknown)
    old = await admin.post("/api/tus/", headers={"Tus-Resumable": "0.2.2", "Upload-Length": "10"})
    assert old.status_code == 412 and old.headers["Tus-Version"] == "1.0.0"

    assert (await admin.get(f"/api/submissions/{sid}/uploads")).json() == []
    assert partial_files(settings) == []
    assert (await admin.get(f"/api/submissions/{sid}")).json()["stage"] == "registered"
    await stored.intact(admin)


async def test_a_patch_at_a_wrong_offset_or_of_a_wrong_type_changes_nothing(
    admin: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    cid = await create_tiny(admin)
    stored = await stored_entry(admin, settings, tmp_path, cid)
    sid = await register(admin, cid, 1)
    data = os.urandom(2 * MB)
    made = await create(admin, len(data), submission_id=sid, filename="clip.mp4")
    url = made.headers["Location"]
    first = await admin.patch(
        url,
        content=data[:MB],
        headers={**TUS, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
    )
    assert first.status_code == 204 and first.headers["Upload-Offset"] == str(MB)

    replay = await admin.patch(
        url,
        content=b"x" * 100,
        headers={**TUS, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
    )
    assert replay.status_code == 409 and replay.headers["Upload-Offset"] == str(MB)
    assert "续传位置不符" in zh(replay) and replay.headers["Tus-Resumable"] == "1.0.0"
    wrong_type = await admin.patch(
        url, content=data[MB:], headers={**TUS, "Upload-Offset": str(MB), "Content-Type": "application/json"}
    )
    assert wrong_type.status_code == 415 and "Content-Type" in zh(wrong_type)
    too_much = await admin.patch(
        url,
        content=data[MB:] + b"extra",
        headers={**TUS, "Upload-Offset": str(MB), "Content-Type": "application/offset+octet-stream"},
    )
    assert too_much.status_code == 413
    head = await admin.head(url, headers=TUS)
    assert head.headers["Upload-Offset"] == str(MB)

    last = await admin.patch(
        url,
        content=data[MB:],
        headers={**TUS, "Upload-Offset": str(MB), "Content-Type": "application/offset+octet-stream"},
    )
    assert last.status_code == 204 and last.headers["Zhengji-Version"] == "1"
    assert last.headers["Zhengji-Sha256"] == hashlib.sha256(data).hexdigest(), (
        "the bad requests left no trace"
    )
    await stored.intact(admin)


async def test_a_form_with_missing_or_malformed_fields_names_each_field(admin: httpx.AsyncClient) -> None:
    cid = await create_tiny(admin)
    form = {"name": "李老师", "phone": "12345", "gender": "未知", "school": "延吉市第一小学"}
    r = await admin.post(f"/api/campaigns/{cid}/entries", json={"form": form, "unit_code": "222401001"})
    assert r.status_code == 422 and zh(r) == "报名表有误"
    fields = {f["field"]: f["message_zh"] for f in r.json()["detail"]["fields"]}
    assert (
        "格式不正确" in fields["phone"]
        and "须为" in fields["gender"]
        and fields["title"] == "请填写“作品名称”"
    )
    bad_unit = await admin.post(
        f"/api/campaigns/{cid}/entries", json={"form": yanbian_form(), "unit_code": "999"}
    )
    assert bad_unit.status_code == 422 and "单位代码 999 不存在" in zh(bad_unit)
    no_json = await admin.post(
        f"/api/campaigns/{cid}/entries", content=b"not json", headers={"content-type": "application/json"}
    )
    assert no_json.status_code == 422
    assert (await admin.get(f"/api/campaigns/{cid}/submissions")).json() == []


async def test_requests_from_the_wrong_role_or_unit_are_refused(
    admin: httpx.AsyncClient, tmp_path: Path
) -> None:
    cid = await create_tiny(admin)
    yanji = await register(admin, cid, 1, "222401001")
    async with (
        client_as(admin, "tumen-admin", "unit_admin", "222402") as tumen,
        client_as(admin, "teacher", "entrant", "222401001") as teacher,
        client_as(admin, "expert", "reviewer", "22") as expert,
    ):
        made = await teacher.post("/api/campaigns", json={"preset": "yanbian-2024", "id": "mine"})
        assert made.status_code == 403 and "活动管理员" in zh(made)
        r = await expert.post(f"/api/campaigns/{cid}/entries", json={"form": {}, "unit_code": "222401001"})
        assert r.status_code == 403
        form = yanbian_form(7)
        r = await tumen.post(f"/api/campaigns/{cid}/entries", json={"form": form, "unit_code": "222401001"})
        assert r.status_code == 403 and "本单位" in zh(r)
        up = await create(tumen, MB, submission_id=yanji, filename="clip.mp4")
        assert up.status_code == 403 and "无权" in zh(up)
        approve = await tumen.post(f"/api/submissions/{yanji}/approve", json={})
        assert approve.status_code == 403 and "无权审核" in zh(approve)
        assert (await expert.get(f"/api/submissions/{yanji}")).status_code == 403
        async with httpx.AsyncClient(base_url=str(admin.base_url)) as anonymous:
            r = await anonymous.get(f"/api/submissions/{yanji}")
            assert r.status_code == 401 and zh(r) == "请先登录"
            assert (
                await anonymous.post("/api/tus/", headers={**TUS, "Upload-Length": "1"})
            ).status_code == 401
    assert (await admin.get(f"/api/submissions/{yanji}")).json()["stage"] == "registered"


async def test_uploads_outside_the_window_are_refused_with_its_dates(admin: httpx.AsyncClient) -> None:
    cid = await create_tiny(admin, "closed", upload_window={"starts": "2024-03-01", "ends": "2024-11-20"})
    soon = await create_tiny(admin, "soon", upload_window={"starts": "2099-03-01", "ends": "2099-11-20"})
    late = await admin.post(
        f"/api/campaigns/{cid}/entries", json={"form": yanbian_form(), "unit_code": "222401001"}
    )
    assert late.status_code == 403 and "报名已截止" in zh(late) and "2024年11月20日" in zh(late)
    sid = await register(admin, soon, 1)
    r = await create(admin, MB, submission_id=sid, filename="clip.mp4")
    assert r.status_code == 403
    assert zh(r) == "上传尚未开始：上传时间为2099年3月1日至2099年11月20日（北京时间）"
    put = await admin.put(f"/api/submissions/{sid}/media", content=b"x" * 100)
    assert put.status_code == 403 and "尚未开始" in zh(put)
    sub = (await admin.get(f"/api/submissions/{sid}")).json()
    assert sub["upload"]["allowed"] is False and sub["version"] == 0


async def test_hunan_refuses_a_file_not_named_after_its_title(admin: httpx.AsyncClient) -> None:
    r = await admin.post(
        "/api/campaigns", json={"preset": "hunan-smart-edu-2022", "upload_window": OPEN_WINDOW}
    )
    assert r.status_code == 201, r.text
    form = {
        "title": "劳动最光荣", "producer": "平江县第一中学", "category": "劳动教育", "subcolumn": "劳动光荣",
        "copyright_holder": "平江县第一中学", "format": "视频", "summary": "劳动教育微课",
        "unit": "平江县教育局", "contact_name": "刘老师", "phone": "0730-1234567",
    }  # fmt: skip
    reg = await admin.post(
        "/api/campaigns/hunan-smart-edu-2022/entries", json={"form": form, "unit_code": "222401001"}
    )
    assert reg.status_code == 201, reg.text
    sid = reg.json()["submission_id"]
    wrong = await create(admin, MB, submission_id=sid, filename="VID_0042.mp4")
    assert (
        wrong.status_code == 422 and "文件名须与资源标题一致" in zh(wrong) and "劳动最光荣.mp4" in zh(wrong)
    )
    right = await create(admin, MB, submission_id=sid, filename="劳动最光荣.mp4")
    assert right.status_code == 201 and right.json()["filename"] == "劳动最光荣.mp4"
