"""``zhengji admin``: operators' day-2 commands, run against the settings of a deployment
(``MONGODB_URI``, ``ZHENGJI_BLOB_URL`` and the AWS variables, as the services read them)."""

import asyncio
import json
from datetime import timedelta

import typer

from services.common.settings import Settings

admin = typer.Typer(help="运维命令 / operators' commands", no_args_is_help=True)


@admin.command("gc-blobs")
def gc_blobs(
    apply: bool = typer.Option(False, "--apply", help="真正删除（默认只列出）/ delete (default: dry run)"),
    min_age_days: float = typer.Option(7.0, help="更新的文件一律保留 / keep anything younger"),
) -> None:
    """清理无人引用的文件 / Remove stored files no submission, rendition, publication or audit names."""
    from services.common.blob_gc import collect_garbage, referenced_names
    from services.common.blob_stores import open_blob_store
    from services.common.store import connect

    settings = Settings()

    async def run() -> dict[str, object]:
        client = connect(settings.mongodb_uri)
        try:
            names = await referenced_names(client, settings.db_prefix)
        finally:
            await client.close()
        report = await collect_garbage(
            open_blob_store(settings), names, timedelta(days=min_age_days), apply=apply
        )
        return {**report.summary(), "keys": report.removed}

    summary = asyncio.run(run())
    typer.echo(json.dumps(summary, ensure_ascii=False, indent=2))
