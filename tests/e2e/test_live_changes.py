"""A running campaign changed live, on the whole system (real broker, store, ffmpeg): Yanbian's
uploads close for everyone but 图们市, whose deadline is extended (its entry is registered and
uploaded after the others closed); a change that the finalised county round contradicts is
refused; the awarded work waits for ``showcase_from`` and goes out when an admin brings the date
to today; a later date is then refused, and the audit list shows who changed what, when and why."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import yaml

from contracts.calendar import campaign_today, day_starts
from tests.conftest import eventually, import_tree
from tests.e2e.campaign_play import approve_when_checked, clip, run_level, stage
from tests.e2e.yanbian_site import (
    COUNTY_EXPERTS,
    SCHOOLS,
    UNITS,
    prefecture_experts_xlsx,
    small_yanbian,
)
from zhengji.samples import yanbian_form
from zhengji.standin import StandIn, serving

CID = "yanbian-live"
MP4 = {"content-type": "video/mp4"}
TODAY = campaign_today()  # Beijing's date, whatever the server's


def live_yanbian(platform: StandIn) -> str:
    """Yanbian with small clips (as in test_review_yanbian), showcased from tomorrow, review windows open."""
    spec = yaml.safe_load(small_yanbian(CID, platform))
    spec["showcase_from"] = str(TODAY + timedelta(days=1))
    for level in spec["review_levels"]:
        level["window"] = None
    return str(yaml.safe_dump(spec, allow_unicode=True))


async def register(api: httpx.AsyncClient, i: int, school: str, title: str) -> str:
    form = yanbian_form(i, title=title, school=SCHOOLS[school], recommender=SCHOOLS[school])
    reg = await api.post(
        f"/api/campaigns/{CID}/entries", json={"form": form, "unit_code": school, "group": "小学组"}
    )
    assert reg.status_code == 201, reg.text
    return str(reg.json()["submission_id"])


async def change(api: httpx.AsyncClient, body: dict[str, Any]) -> httpx.Response:
    return await api.post(f"/api/campaigns/{CID}/changes", json=body)


async def test_a_county_extension_a_refused_change_and_showcase_from(
    system: httpx.AsyncClient, tmp_path: Path
) -> None:
    api = system
    await import_tree(api, UNITS)
    async with serving(StandIn()) as platform:
        made = await api.post("/api/campaigns", json={"definition_yaml": live_yanbian(platform)})
        assert made.status_code == 201, made.text
        media = {
            i: (await clip(tmp_path / f"{i}.mp4", 300 + 40 * i, size="320x180")).read_bytes()
            for i in (1, 2, 3, 4)
        }
        sids: dict[str, str] = {}
        for i, (school, title) in enumerate(
            [("222401001", "杨靖宇将军的故事"), ("222401002", "龙井红色遗址寻访")], 1
        ):
            sids[title] = await register(api, i, school, title)
            up = await api.put(f"/api/submissions/{sids[title]}/media", content=media[i], headers=MP4)
            assert up.status_code == 202, up.text
        yanji_late = await register(api, 4, "222401003", "老物件里的抗战史")

        # The deadline passes for everyone (the window ends yesterday), then 图们市 gets three more days.
        closed = {"starts": str(TODAY - timedelta(days=1)), "ends": str(TODAY - timedelta(days=1))}
        first = await change(api, {"reason": "按通知截止上传", "upload_window": closed})
        assert first.status_code == 201 and first.json()["revision"] == 2, first.text
        extension = {"unit": "222402", "ends": str(TODAY + timedelta(days=3))}
        second = await change(api, {"reason": "图们市网络故障，延期三天", "unit_extension": extension})
        assert second.status_code == 201, second.text
        # 图们市's entry is registered after the others closed (decision 0034); 延吉市's is refused.
        tumen = await register(api, 3, "222402001", "图们江畔的记忆")
        body = {"form": yanbian_form(5, title="迟到的作品"), "unit_code": "222401003", "group": "小学组"}
        too_late = await api.post(f"/api/campaigns/{CID}/entries", json=body)
        assert too_late.status_code == 403 and "报名已截止" in too_late.json()["detail"]["message_zh"]

        refused = await api.put(
            f"/api/submissions/{yanji_late}/media", content=media[4], headers={"content-type": "video/mp4"}
        )
        assert refused.status_code == 403 and "上传已截止" in refused.json()["detail"]["message_zh"], (
            refused.text
        )
        accepted = await api.put(
            f"/api/submissions/{tumen}/media", content=media[3], headers={"content-type": "video/mp4"}
        )
        assert accepted.status_code == 202, accepted.text
        sids["图们江畔的记忆"] = tumen

        await approve_when_checked(api, CID, list(sids.values()))
        marks = {sids["杨靖宇将军的故事"]: 95, sids["龙井红色遗址寻访"]: 90, sids["图们江畔的记忆"]: 85}
        county = await run_level(api, CID, "county", COUNTY_EXPERTS.encode(), "text/csv", marks)
        assert {d["outcome"] for d in county["decisions"].values()} == {"recommended"}

        # The county round is final: its award settings, and the upload window, can no longer change.
        async def county_known() -> bool:
            return all([await stage(api, sid) == "recommended" for sid in sids.values()])

        await eventually(county_known, 60, "intake to know the county's outcomes")
        fewer = await change(api, {"reason": "少推荐", "outcomes": {"county": {"recommend_top": 1}}})
        assert fewer.status_code == 422, fewer.text
        assert "县区评审已定稿" in fewer.json()["detail"]["message_zh"]
        again = await change(
            api,
            {
                "reason": "再延期",
                "unit_extension": {"unit": "222402", "ends": str(TODAY + timedelta(days=9))},
            },
        )
        assert again.status_code == 422 and "上传时间不能再改" in again.json()["detail"]["message_zh"]

        xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        prefecture = await run_level(api, CID, "prefecture", prefecture_experts_xlsx(), xlsx, marks)
        awarded = [sid for sid, d in prefecture["decisions"].items() if d["tier"] == "优秀资源奖"]
        assert awarded == [sids["杨靖宇将军的故事"]]

        # Held until showcase_from (tomorrow, Beijing time) on both platforms, neither of which has a date.
        tomorrow = day_starts(TODAY + timedelta(days=1))
        jobs = [f"{awarded[0]}:{key}" for key in ("yanbian_platform", "sizheng_library")]

        async def held() -> bool:
            found = [await api.get(f"/api/publisher/deliveries/{job}") for job in jobs]
            return all(r.status_code == 200 and r.json()["state"] == "queued" for r in found)

        await eventually(held, 60, "the awarded work's deliveries queued")
        for job in jobs:
            waiting = (await api.get(f"/api/publisher/deliveries/{job}")).json()
            assert waiting["not_before"].startswith(tomorrow.strftime("%Y-%m-%dT%H:%M"))
        assert platform.received == []

        # Showcase from today: the publisher moves the waiting works, and they go out.
        sooner = await change(api, {"reason": "提前展示", "showcase_from": str(TODAY)})
        assert sooner.status_code == 201, sooner.text

        async def sent() -> bool:
            return len(platform.received) == 2 and await stage(api, awarded[0]) == "published"

        await eventually(sent, 120, "the work on both platforms once showcase_from is today")
        later = await change(api, {"reason": "推迟展示", "showcase_from": str(TODAY + timedelta(days=2))})
        assert later.status_code == 422 and "发布日期不能改到其后" in later.json()["detail"]["message_zh"]

    audit = await api.get(f"/api/campaigns/{CID}/changes")
    assert audit.status_code == 200
    rows = audit.json()
    assert [(r["revision"], r["reason"], r["who"]["username"]) for r in rows] == [
        (4, "提前展示", "admin"),
        (3, "图们市网络故障，延期三天", "admin"),
        (2, "按通知截止上传", "admin"),
    ]
    assert rows[1]["changes"] == [
        {"field": "unit_extensions.222402", "before": None, "after": extension["ends"]}
    ]
    current = (await api.get(f"/api/campaigns/{CID}")).json()
    assert current["live"]["revision"] == 4 and current["showcase_from"] == str(TODAY)
