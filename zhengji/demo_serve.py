"""``zhengji demo --serve``: after the demo's table, the campaign stays up with a login for each
role, so every page can be clicked through with the demo's data; Ctrl-C (SIGINT) or SIGTERM stops
it cleanly.

The demo drives everything as the campaign admin, so the other people are made here: a unit admin
of the prefecture (延边州, over every sample's school), an entrant of a school with one entry of
their own (the conforming sample, uploaded and checked like any other), and the chair and an
expert of the last review level, whose sign-in links are fresh tokens (the demo's own were shown
once and are not kept)."""

import asyncio
import secrets
import signal
from dataclasses import dataclass
from pathlib import Path

import httpx

from zhengji.demo import prefecture_admin, school_codes, tus_upload

ENTRANT_SCHOOL = "延吉市第一小学"
STOP_HINT = "按 Ctrl-C 停止 / Ctrl-C stops the demo"


@dataclass(frozen=True)
class Login:
    role_zh: str
    role_en: str
    username: str | None  # None: a sign-in link instead (review's experts have no password)
    password: str | None
    start: str  # where to begin, a path or (experts) the whole sign-in link


async def _entrant(api: httpx.AsyncClient, cid: str, video: Path) -> tuple[str, str]:
    """An entrant with one entry of their own, uploaded (checked and transcoded as it goes)."""
    password = secrets.token_urlsafe(9)
    signup = {
        "username": "demo-teacher",
        "password": password,
        "display_name": "演示教师",
        "unit_code": school_codes()[ENTRANT_SCHOOL],
    }
    async with httpx.AsyncClient(base_url=api.base_url, timeout=60) as teacher:
        made = await teacher.post("/api/auth/signup", json=signup)
        made.raise_for_status()
        teacher.headers["Authorization"] = "Bearer " + made.json()["token"]
        teacher.cookies.clear()
        form = {
            "name": "演示教师",
            "gender": "女",
            "occupation": "教师",
            "phone": "13904339999",
            "school": ENTRANT_SCHOOL,
            "title": "我的红色故事（演示）",
            "category": "英雄故事",
            "summary": "演示参赛者自己的作品",
            "recommender": ENTRANT_SCHOOL,
        }
        reg = await teacher.post(f"/api/campaigns/{cid}/entries", json={"form": form, "group": "教师组"})
        reg.raise_for_status()
        sid = reg.json()["submission_id"]
        await tus_upload(teacher, video, submission_id=sid, filename=video.name, filetype="video/mp4")
    return password, sid


async def _expert_link(api: httpx.AsyncClient, cid: str, level: str, role: str) -> tuple[str, str]:
    experts = (await api.get(f"/api/review/campaigns/{cid}/levels/{level}/experts")).json()
    expert = next(x for x in experts if x["role"] == role)
    rid = expert["reviewer_id"]
    token = await api.post(f"/api/review/campaigns/{cid}/levels/{level}/experts/{rid}/token")
    token.raise_for_status()
    return expert["name"], f"{api.base_url}/review/login?token={token.json()['token']}"


async def logins(api: httpx.AsyncClient, admin_password: str, video: Path) -> list[Login]:
    """A login for each role on the demo's campaign; ``api`` is the campaign admin's client."""
    cid = (await api.get("/api/campaigns")).json()[0]["id"]
    last = (await api.get(f"/api/review/campaigns/{cid}/plan")).json()["levels"][-1]["key"]
    unit_password = await prefecture_admin(api, "demo-unit", "延边州电教馆（演示）")
    teacher_password, sid = await _entrant(api, cid, video)
    chair, chair_link = await _expert_link(api, cid, last, "chair")
    expert, expert_link = await _expert_link(api, cid, last, "reviewer")
    return [
        Login("活动管理员", "campaign admin", "admin", admin_password, f"/campaigns/{cid}/statistics"),
        Login("单位管理员", "unit admin", "demo-unit", unit_password, f"/campaigns/{cid}/unit"),
        Login("参赛者", "entrant", "demo-teacher", teacher_password, f"/submissions/{sid}"),
        Login(f"评审组长 {chair}", "chair", None, None, chair_link),
        Login(f"评审专家 {expert}", "expert", None, None, expert_link),
    ]


def print_logins(base_url: str, found: list[Login]) -> None:
    print(f"\n演示继续运行 / the demo keeps running at {base_url}, with a login for each role:\n")
    for x in found:
        if x.username is not None:
            print(f"  {x.role_zh} {x.role_en}: 用户名 user {x.username}  密码 password {x.password}")
            print(f"      {base_url}/login?next={x.start}")
        else:
            print(f"  {x.role_zh} {x.role_en}: {x.start}")
    print(f"\n{STOP_HINT}", flush=True)


async def until_stopped() -> None:
    """Wait for SIGINT or SIGTERM; either ends the demo's runtime the same orderly way."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
