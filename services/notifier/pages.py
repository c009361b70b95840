"""The notifier's pages: the inbox (with the contact choices) and the unsubscribe link's page.

The inbox page is a shell its script fills from the API (``static/inbox.js``); the badge on
every other page is ``static/badge.js``. Unsubscribing asks for one click on the page (a link
scanner that opens every URL in a mail must not unsubscribe anyone) and also takes the mail
client's one-click POST (RFC 8058) to the same address."""

import html
from pathlib import Path

from fastapi import APIRouter, Form, Query
from fastapi.responses import HTMLResponse

from services.common.assets import RevalidatedStaticFiles
from services.notifier.api import Notifier

STATIC = Path(__file__).parent / "static"
router = APIRouter(tags=["notifier pages"])
router.mount("/static/notifier", RevalidatedStaticFiles(directory=STATIC), name="notifier-static")
CHANNEL_NAMES = {"email": "电子邮件 e-mail", "sms": "短信 SMS", "wechat": "微信 WeChat"}


def _page(title: str, body: str, script: str | None = None) -> HTMLResponse:
    tail = f'<script type="module" src="/static/notifier/{script}"></script>' if script else ""
    return HTMLResponse(
        f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} · 征集 zhengji</title><link rel="stylesheet" href="/static/notifier/notifier.css">
</head><body><header class="top"><a class="brand" href="/">征集<small>zhengji</small></a>
<span id="notifier-badge-slot"></span></header><main>{body}</main>{tail}
<script type="module" src="/static/notifier/badge.js"></script></body></html>"""
    )


@router.get("/notifications", response_class=HTMLResponse)
async def inbox_page() -> HTMLResponse:
    body = """<h1>消息 <span class="en">Messages</span></h1>
<p><button id="read-all" type="button">全部标为已读 <span class="en">Mark all read</span></button></p>
<ol id="messages" class="messages"></ol>
<h2>接收方式 <span class="en">How to reach me</span></h2>
<form id="contacts" class="contacts"></form>"""
    return _page("消息 Messages", body, "inbox.js")


@router.get("/notifications/unsubscribe", response_class=HTMLResponse)
async def unsubscribe_page(svc: Notifier, token: str = Query(max_length=600)) -> HTMLResponse:
    named = svc.unsubscribe.read(token)
    if named is None:
        return _page(
            "退订", "<p>退订链接无效 <span class='en'>This unsubscribe link is not valid.</span></p>"
        )
    channel = CHANNEL_NAMES.get(named[1], named[1])
    body = f"""<h1>退订 <span class="en">Unsubscribe</span></h1>
<form method="post"><input type="hidden" name="token" value="{html.escape(token)}">
<p>不再通过{html.escape(channel)}接收征集活动的通知。站内消息仍会保留。</p>
<p class="en">Stop notifications by {html.escape(channel)}. Messages on the site stay.</p>
<button type="submit" id="confirm">确认退订 <span class="en">Unsubscribe</span></button></form>"""
    return _page("退订 Unsubscribe", body)


@router.post("/notifications/unsubscribe", response_class=HTMLResponse)
async def unsubscribe(
    svc: Notifier,
    token_form: str | None = Form(default=None, alias="token", max_length=600),
    token_query: str | None = Query(default=None, alias="token", max_length=600),
) -> HTMLResponse:
    named = svc.unsubscribe.read(token_form or token_query or "")
    if named is None:
        return _page(
            "退订", "<p>退订链接无效 <span class='en'>This unsubscribe link is not valid.</span></p>"
        )
    await svc.people.withdraw(*named)
    channel = CHANNEL_NAMES.get(named[1], named[1])
    body = f"<h1 id='done'>已退订 <span class='en'>Unsubscribed</span></h1><p>{html.escape(channel)}</p>"
    return _page("已退订 Unsubscribed", body)
