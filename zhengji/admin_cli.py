"""``zhengji admin``: operators' day-2 commands, run against the settings of a deployment
(``MONGODB_URI``, ``ZHENGJI_BLOB_URL`` and the AWS variables, as the services read them)."""

import asyncio
import json
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from services.common.settings import Settings
from zhengji.admin_jobs import deliveries, jobs
from zhengji.admin_migrate import migrate_command
from zhengji.admin_store import on_store, on_store_or_refuse

if TYPE_CHECKING:
    from zhengji.admin_store import Client

admin = typer.Typer(help="运维命令 / operators' commands", no_args_is_help=True)
admin.add_typer(jobs, name="jobs")
admin.add_typer(deliveries, name="deliveries")
admin.command("migrate")(migrate_command)


@admin.command("gc-blobs")
def gc_blobs(
    apply: bool = typer.Option(False, "--apply", help="真正删除（默认只列出）/ delete (default: dry run)"),
    min_age_days: float = typer.Option(7.0, help="更新的文件一律保留 / keep anything younger"),
) -> None:
    """清理无人引用的文件 / Remove stored files no submission, rendition, publication or audit names."""
    from services.common.blob_gc import collect_garbage, referenced_names
    from services.common.blob_stores import open_blob_store

    async def run(client: "Client", settings: Settings) -> dict[str, object]:
        names = await referenced_names(client, settings.db_prefix)
        report = await collect_garbage(
            open_blob_store(settings), names, timedelta(days=min_age_days), apply=apply
        )
        return {**report.summary(), "keys": report.removed}

    summary = on_store(run)
    typer.echo(json.dumps(summary, ensure_ascii=False, indent=2))


topics = typer.Typer(help="Kafka 主题 / the topics, from one declaration", no_args_is_help=True)
admin.add_typer(topics, name="topics")


@topics.command("plan")
def topics_plan() -> None:
    """列出需要的改动 / What apply would change (KAFKA_BOOTSTRAP_SERVERS, ZHENGJI_KAFKA_*)."""
    from services.common.kafka_security import client_options
    from services.common.topic_admin import topics_of, topics_plan

    settings = Settings()
    changes = asyncio.run(
        topics_plan(settings.kafka_bootstrap_servers, topics_of(settings), client_options(settings))
    )
    for change in changes:
        typer.echo(change.describe())
    typer.echo(
        f"{len(changes)} 项改动 / changes" if changes else "主题与声明一致 / topics match the declaration"
    )
    raise typer.Exit(1 if any(c.action == "refused" for c in changes) else 0)


@topics.command("apply")
def topics_apply() -> None:
    """创建或更新全部主题 / Create or update every topic and its dead-letter topic."""
    from services.common.kafka_security import client_options
    from services.common.topic_admin import TopicsNotApplied, apply, topics_of

    settings = Settings()
    try:
        changes = asyncio.run(
            apply(settings.kafka_bootstrap_servers, topics_of(settings), options=client_options(settings))
        )
    except TopicsNotApplied as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    for change in changes:
        typer.echo(change.describe())
    typer.echo(f"已应用 {len(changes)} 项改动 / applied {len(changes)} changes")


@topics.command("strimzi")
def topics_strimzi(
    cluster: str = typer.Option("zhengji", help="Strimzi Kafka 集群名 / the Kafka resource's name"),
) -> None:
    """输出 Strimzi KafkaTopic 清单 / Print the topics as Strimzi KafkaTopic resources."""
    import yaml

    from services.common.topic_admin import topics_of
    from services.common.topic_plan import strimzi_topics

    docs = strimzi_topics(topics_of(Settings()), cluster)
    typer.echo(yaml.safe_dump_all(docs, sort_keys=False, allow_unicode=True), nl=False)


dlq = typer.Typer(help="死信主题 / dead-letter topics", no_args_is_help=True)
admin.add_typer(dlq, name="dlq")


@dlq.command("list")
def dlq_list(topic: str = typer.Argument(..., help="如 zhengji.submission.validated.v1.dlq")) -> None:
    """列出死信及原因 / What a dead-letter topic holds and why each message was parked."""
    from services.common.dead_letter_admin import read_dead_letters
    from services.common.kafka_security import client_options

    settings = Settings()
    letters = asyncio.run(
        read_dead_letters(settings.kafka_bootstrap_servers, topic, client_options(settings))
    )
    for letter in letters:
        typer.echo(json.dumps(letter.summary(), ensure_ascii=False))
    typer.echo(f"{len(letters)} 条死信 / dead letters", err=True)


@dlq.command("replay")
def dlq_replay(
    topic: str = typer.Argument(..., help="死信主题 / the dead-letter topic"),
    event_id: list[str] = typer.Option([], "--event-id", help="要重放的事件（可多次）/ repeatable"),
    everything: bool = typer.Option(False, "--all", help="全部重放 / replay every message"),
) -> None:
    """将死信送回原主题 / Send dead letters back to their original topic (fix the cause first)."""
    from services.common.dead_letter_admin import chosen, read_dead_letters, replay
    from services.common.kafka_security import client_options

    if not event_id and not everything:
        typer.echo("请用 --event-id 指定事件，或用 --all 全部重放 / name events or pass --all", err=True)
        raise typer.Exit(2)
    settings = Settings()
    bootstrap, options = settings.kafka_bootstrap_servers, client_options(settings)

    async def run() -> int:
        letters = chosen(await read_dead_letters(bootstrap, topic, options), event_id, everything)
        return len(await replay(bootstrap, topic, letters, options))

    count = asyncio.run(run())
    typer.echo(f"已重放 {count} 条 / replayed {count}")
    if event_id and count < len(set(event_id)):
        typer.echo("部分事件不在该死信主题中 / some event ids are not in that topic", err=True)
        raise typer.Exit(1)


@admin.command("backup")
def backup_command(folder: Path = typer.Argument(..., help="新的备份目录 / a new folder")) -> None:
    """备份全部数据库与文件清单 / Back up every zhengji database and the list of stored files."""
    from services.common.backup import backup
    from services.common.blob_stores import open_blob_store

    async def run(client: "Client", settings: Settings) -> dict[str, Any]:
        return await backup(client, settings.db_prefix, open_blob_store(settings), folder)

    manifest = on_store(run)
    typer.echo(json.dumps(manifest, ensure_ascii=False, indent=2))


@admin.command("restore")
def restore_command(folder: Path = typer.Argument(..., help="备份目录 / the backup folder")) -> None:
    """恢复到空的存储 / Restore a backup into a store that holds no zhengji data yet."""
    from services.common.backup import RestoreRefused, restore
    from services.common.blob_stores import open_blob_store

    async def run(client: "Client", settings: Settings) -> dict[str, Any]:
        return await restore(client, settings.db_prefix, open_blob_store(settings), folder)

    try:
        report = on_store(run)
    except RestoreRefused as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
    if report["missing_blobs"]:
        typer.echo(
            "备份列出的部分文件不在文件存储中 / stored files missing: restore them from the store's copy",
            err=True,
        )
        raise typer.Exit(3)


@admin.command("redrive")
def redrive_command(
    submission_id: str = typer.Argument(..., help="作品编号 / the submission id"),
    stage: str = typer.Option(..., "--from", help="从哪个阶段重跑 / stage: validation | transcoding"),
) -> None:
    """从某一阶段重跑作品的当前版本 / Run a submission's current version again from a stage."""
    from zhengji.redrive import STAGES, redrive

    if stage not in STAGES:
        typer.echo(f"阶段只能是 / stage must be one of: {', '.join(STAGES)}", err=True)
        raise typer.Exit(2)

    async def run(client: "Client", settings: Settings) -> str:
        event = await redrive(client, settings.db_prefix, submission_id, stage, settings.stage_deadline_s)
        return str(event.event_id)

    event_id = on_store_or_refuse(run)
    typer.echo(f"已重新发出 / emitted again: {submission_id} from {stage} (event {event_id})")
