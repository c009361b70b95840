"""Which channels this deployment has, from its settings: a channel without its settings is off.

Every call to a provider goes through the outbound client (``services/common/outbound.py``):
checked addresses, a deadline per call, a cap on the answer's size."""

import httpx

from services.common.outbound import OutboundPolicy, outbound_client
from services.common.settings import Settings
from services.notifier.channels.aliyun_sms import AliyunSms
from services.notifier.channels.base import Channel
from services.notifier.channels.smtp import SmtpChannel
from services.notifier.channels.tencent_sms import TencentSms
from services.notifier.channels.wechat import WeChatTemplates


def _secret(value: object) -> str | None:
    reveal = getattr(value, "get_secret_value", None)
    return str(reveal()) if reveal is not None else None


def channels_from_settings(s: Settings) -> tuple[httpx.AsyncClient, dict[str, Channel]]:
    policy = OutboundPolicy.from_settings(s)
    http = outbound_client(policy)
    channels: dict[str, Channel] = {}
    if s.notifier_smtp_host:
        channels["email"] = SmtpChannel(
            policy,
            s.notifier_smtp_host,
            s.notifier_smtp_port,
            starttls=s.notifier_smtp_starttls,
            username=s.notifier_smtp_username,
            password=_secret(s.notifier_smtp_password),
            sender=s.notifier_mail_from,
            cafile=str(s.notifier_smtp_cafile) if s.notifier_smtp_cafile else None,
        )
    aliyun_secret = _secret(s.notifier_aliyun_access_key_secret)
    tencent_key = _secret(s.notifier_tencent_secret_key)
    # Both SMS providers may be set up; each campaign names the one its bureau uses.
    if s.notifier_aliyun_access_key_id and aliyun_secret:
        channels["sms:aliyun"] = AliyunSms(
            http, s.notifier_aliyun_endpoint, s.notifier_aliyun_access_key_id, aliyun_secret
        )
    if s.notifier_tencent_secret_id and tencent_key:
        channels["sms:tencent"] = TencentSms(
            http,
            s.notifier_tencent_endpoint,
            s.notifier_tencent_region,
            s.notifier_tencent_secret_id,
            tencent_key,
        )
    wechat_secret = _secret(s.notifier_wechat_app_secret)
    if s.notifier_wechat_app_id and wechat_secret:
        channels["wechat"] = WeChatTemplates(
            http, s.notifier_wechat_api, s.notifier_wechat_app_id, wechat_secret
        )
    return http, channels
