"""``zhengji admin migrate``: bring stored documents to the shape this version writes
(``services/common/migrations.py``). Run it after a rollout has finished (docs/operations.md,
"Upgrade"); ``--plan`` first says what it would do."""

import importlib
from typing import TYPE_CHECKING

import typer

from services.common.settings import Settings
from zhengji.admin_store import on_store

if TYPE_CHECKING:
    from services.common.migrations import Migration
    from zhengji.admin_store import Client

# Every module that registers migrations; a new one is added here.
MIGRATION_MODULES = ["services.common.job_migrations"]


def registered() -> "list[Migration]":
    from services.common.migrations import MIGRATIONS

    for module in MIGRATION_MODULES:
        importlib.import_module(module)
    return MIGRATIONS


def migrate_command(
    show_plan: bool = typer.Option(False, "--plan", help="只列出，不执行 / list, change nothing"),
) -> None:
    """迁移存储的文档到当前版本 / Migrate stored documents to this version's shape (idempotent)."""
    from services.common.migrations import migrate, plan

    migrations = registered()

    async def run(client: "Client", settings: Settings) -> "list[tuple[Migration, int | None]]":
        if show_plan:
            return [(m, None) for m in await plan(client, settings.db_prefix, migrations)]
        return list(await migrate(client, settings.db_prefix, migrations))

    steps = on_store(run)
    for m, changed in steps:
        done = f"已完成，改动 {changed} 个文档 / done, {changed} changed" if changed is not None else ""
        done = done or "待执行 / pending"
        typer.echo(f"{m.name}: {m.summary} — {done}")
    if not steps:
        typer.echo("无需迁移，存储已是当前版本 / nothing to migrate: the store is at this version")
    elif show_plan:
        typer.echo(f"{len(steps)} 项待迁移，执行 zhengji admin migrate / {len(steps)} to run")
