"""What the notifier says, per kind of message: the default wording in Chinese and English.

A campaign may word any kind its own way (``Notifications.templates``); its text may use only
the placeholders named here, filled with plain values (``rendering.py``), so a template cannot
reach into objects or run anything. SMS and WeChat carry the same values as template
parameters, in ``SMS_PARAMS`` order, to the provider's approved template."""

from dataclasses import dataclass
from typing import Final

from contracts.campaign import NOTIFICATION_PLACEHOLDERS


@dataclass(frozen=True)
class Wording:
    subject_zh: str
    body_zh: str
    subject_en: str
    body_en: str


PLACEHOLDERS: Final = NOTIFICATION_PLACEHOLDERS
# What an SMS template's variables hold, in order (Tencent's {1}, {2}, {3}; Aliyun's ${title}...).
SMS_PARAMS: Final = ("title", "detail", "link")

DEFAULTS: Final[dict[str, Wording]] = {
    "received": Wording(
        "已收到作品《{title}》",
        "【{campaign}】已收到您的作品《{title}》（第{version}版），正在进行技术检测。查看进度：{link}",
        "Entry received: {title}",
        '[{campaign}] We received your entry "{title}" (version {version}); it is being checked. '
        "Progress: {link}",
    ),
    "check_failed": Wording(
        "作品《{title}》未通过技术检测",
        "【{campaign}】您的作品《{title}》未通过技术检测：{detail}。请修改后重新上传：{link}",
        "Entry failed the check: {title}",
        '[{campaign}] Your entry "{title}" failed the technical check: {detail}. '
        "Fix it and upload again: {link}",
    ),
    "processing_failed": Wording(
        "作品《{title}》处理失败",
        "【{campaign}】您的作品《{title}》转码处理失败：{detail}。请重新上传：{link}",
        "Entry could not be processed: {title}",
        '[{campaign}] Your entry "{title}" could not be processed: {detail}. Upload it again: {link}',
    ),
    "awaiting_approval": Wording(
        "新作品待审核：《{title}》",
        "【{campaign}】{unit}的作品《{title}》已通过技术检测，等待推荐单位审核：{link}",
        "New entry awaits approval: {title}",
        '[{campaign}] "{title}" from {unit} passed the checks and awaits your approval: {link}',
    ),
    "returned": Wording(
        "作品《{title}》被退回",
        "【{campaign}】推荐单位退回了您的作品《{title}》，原因：{detail}。请修改后重新提交：{link}",
        "Entry returned: {title}",
        '[{campaign}] Your unit returned "{title}": {detail}. Change it and submit again: {link}',
    ),
    "in_review": Wording(
        "作品《{title}》已进入评审",
        "【{campaign}】您的作品《{title}》已通过单位审核，进入专家评审。查看：{link}",
        "Entry in review: {title}",
        '[{campaign}] Your entry "{title}" was approved by your unit and is now in review: {link}',
    ),
    "result": Wording(
        "作品《{title}》评审结果",
        "【{campaign}】您的作品《{title}》评审结果：{detail}。查看：{link}",
        "Review result: {title}",
        '[{campaign}] Review result for "{title}": {detail}. See: {link}',
    ),
    # An award's certificate can be downloaded from the entry's page: {detail} is the level and award.
    "certificate_ready": Wording(
        "获奖证书可以下载：《{title}》",
        "【{campaign}】您的作品《{title}》获{detail}，获奖证书已可下载（作品页面“下载获奖证书”）：{link}",
        "Certificate ready: {title}",
        '[{campaign}] "{title}" won {detail}; download its certificate from the entry\'s page: {link}',
    ),
    "published": Wording(
        "作品《{title}》已发布",
        "【{campaign}】您的作品《{title}》已在{detail}发布展示：{link}",
        "Entry published: {title}",
        '[{campaign}] Your entry "{title}" is published on {detail}: {link}',
    ),
    "publish_failed": Wording(
        "作品发布失败，已停止重试：《{title}》",
        "【{campaign}】《{title}》发布失败并已停止重试（{detail}），请在管理页处理：{link}",
        "Publication parked: {title}",
        '[{campaign}] Publishing "{title}" failed and was parked ({detail}); see: {link}',
    ),
    # A reviewer's share of a round: {title} is the level's name, {detail} the count and the deadline.
    "review_assigned": Wording(
        "评审任务：{title}",
        "【{campaign}】您在{title}中的评审任务：{detail}。进入评审：{link}",
        "Review assignment: {title}",
        "[{campaign}] Your assignment in {title}: {detail}. Review here: {link}",
    ),
    # Before a scoring window closes: {title} is the level's name, {detail} the count and the day.
    "review_due": Wording(
        "评分即将截止：{title}",
        "【{campaign}】{title}即将截止评分（{detail}），请尽快完成：{link}",
        "Scoring closes soon: {title}",
        "[{campaign}] Scoring in {title} closes soon ({detail}): {link}",
    ),
    # A round's chairs: {title} is the level's name, {detail} the round's entries.
    "round_scored": Wording(
        "评分已全部完成：{title}",
        "【{campaign}】{title}的{detail}已全部评分完成，请组长生成并确认评审结果：{link}",
        "All scores are in: {title}",
        "[{campaign}] Every score of {title} ({detail}) is in; the chair can make the result: {link}",
    ),
    # A round's chairs: {title} is the entry's title, {detail} the level's name.
    "appeal_filed": Wording(
        "公示期收到异议：《{title}》",
        "【{campaign}】{detail}公示期间，作品《{title}》收到一条异议，请在定稿前处理：{link}",
        "Appeal filed: {title}",
        '[{campaign}] An appeal against "{title}" was filed during the {detail} public notice; '
        "resolve it before finalising: {link}",
    ),
    # Campaign admins: {title} is how many messages, {detail} which services parked them.
    "dead_letters": Wording(
        "消息处理失败已搁置：{title}",
        "【{campaign}】有{title}经多次重试仍处理失败，已转入死信队列（{detail}），相关作品停在当前环节。"
        "请运维人员查明原因后用 zhengji admin dlq 重新投递：{link}",
        "Messages parked: {title}",
        "[{campaign}] {title} failed after their retries and were parked ({detail}); the entries wait "
        "where they are. Ask operations to fix the cause and replay them (zhengji admin dlq): {link}",
    ),
    # A reminder names no entry: {title} holds the deadline, {detail} how many entries wait.
    "approval_due": Wording(
        "推荐单位审核{title}",
        "【{campaign}】{unit}尚有{detail}，推荐单位审核{title}，请及时审核或退回：{link}",
        "Approval {title}",
        "[{campaign}] {unit} has {detail}; approval {title}. Approve or return them: {link}",
    ),
}
