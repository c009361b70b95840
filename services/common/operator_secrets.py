"""The secrets a campaign's publication targets may use: named by the operator, never by campaign data.

A target's ``secret_env`` names the token or HMAC key the publisher sends to
the target's platform, a URL the campaign admin chose. Were any name good, a
campaign could have the publisher send ``MONGODB_URI`` (with its password) to
a server of its own. So the operator lists the names a campaign may use
(``ZHENGJI_PUBLISHER_SECRETS``); intake refuses a definition naming any other,
and the publisher never reads one that is not listed, whatever a stored
campaign says. A listed name is read from the file of that name under
``ZHENGJI_PUBLISHER_SECRETS_DIR`` (a Kubernetes Secret mounted as a volume)
when there is one, else from the environment variable."""

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from contracts.campaign import Campaign, PublicationTarget
from services.common.errors import ServiceError

if TYPE_CHECKING:
    from services.common.settings import Settings

NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
# The process's own configuration: never a platform's secret, even if an operator lists it.
OWN_SETTINGS = re.compile(r"^(ZHENGJI_.*|MONGODB_URI|KAFKA_BOOTSTRAP_SERVERS)$")


class SecretNotAllowed(Exception):
    """A target names a secret the operator does not allow."""


@dataclass(frozen=True)
class OperatorSecrets:
    names: frozenset[str] = frozenset()
    directory: Path | None = None

    @classmethod
    def parse(cls, text: str, directory: Path | None = None) -> "OperatorSecrets":
        names = {part.strip() for part in text.split(",") if part.strip()}
        bad = sorted(n for n in names if not NAME.match(n) or OWN_SETTINGS.match(n))
        if bad:
            raise ValueError(
                f"ZHENGJI_PUBLISHER_SECRETS 含无效或属于本服务配置的名称 {bad}"
                f" / ZHENGJI_PUBLISHER_SECRETS names {bad}: not variable names, or the service's own settings"
            )
        return cls(frozenset(names), directory)

    @classmethod
    def from_settings(cls, settings: "Settings") -> "OperatorSecrets":
        return cls.parse(settings.publisher_secrets, settings.publisher_secrets_dir)

    def refusal(self, target: PublicationTarget) -> str | None:
        """Why ``target`` may not use the secret it names, or None."""
        name = target.secret_env
        if name is None or name in self.names:
            return None
        allowed = "、".join(sorted(self.names)) or "（无）"
        return (
            f"发布目标 {target.key} 的密钥 {name} 不在运维允许的名单中"
            f"（ZHENGJI_PUBLISHER_SECRETS：{allowed}）"
            f" / target {target.key}'s secret {name!r} is not one the operator allows"
            f" (ZHENGJI_PUBLISHER_SECRETS: {', '.join(sorted(self.names)) or 'none'})"
        )

    def check(self, campaign: Campaign) -> None:
        """Refuse a campaign definition whose targets name secrets the operator does not allow."""
        problems = [r for r in map(self.refusal, campaign.publication_targets) if r]
        if problems:
            raise ServiceError(
                422, "活动定义有误：引用了不允许的密钥", "invalid campaign definition: secret not allowed",
                problems="\n".join(problems),
            )  # fmt: skip

    def value(self, target: PublicationTarget) -> str | None:
        """The secret's value, or None when it is unset; SecretNotAllowed before anything is read."""
        reason = self.refusal(target)
        if reason:
            raise SecretNotAllowed(reason)
        name = target.secret_env or ""
        if self.directory is not None and (self.directory / name).is_file():
            # kubectl create secret --from-file keeps the file's last newline: it is no part of the key.
            return (self.directory / name).read_text().rstrip("\r\n") or None
        return os.environ.get(name) or None
