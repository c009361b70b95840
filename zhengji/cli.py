"""The ``zhengji`` command line: up, demo, serve, validate, admin."""

import asyncio
import json
import sys
from pathlib import Path

import typer

from services.common.log import configure_logging
from zhengji.admin_cli import admin

app = typer.Typer(
    help="征集 zhengji: call-for-submissions campaigns, from upload to showcase.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(admin, name="admin")


@app.command()
def up(
    data_dir: Path = typer.Option(Path(".zhengji"), help="数据目录 / where data lives"),
    host: str = typer.Option("127.0.0.1"),
    port: int = typer.Option(8000),
    kafka_port: int = typer.Option(0, help="内嵌 Kafka 端口，0 = 任一空闲端口 / embedded broker port"),
    mongo_port: int = typer.Option(0, help="内嵌存储端口，0 = 任一空闲端口 / embedded store port"),
) -> None:
    """运行全部服务（内嵌模式）/ Run all five services on the embedded broker and store."""
    from zhengji.embedded import EmbeddedServers, free_port
    from zhengji.runtime import SERVICES
    from zhengji.server import embedded_settings, serve_until_stopped

    configure_logging(json=False)
    servers = EmbeddedServers(
        data_dir, kafka_port=kafka_port or free_port(), mongo_port=mongo_port or free_port()
    )
    servers.start()
    typer.echo(f"zhengji 已启动 / running: http://{host}:{port}  (数据 / data: {data_dir.resolve()})")
    # Where a downstream developer subscribes to the events (docs/asyncapi.yaml) or reads the store.
    typer.echo(f"  Kafka (Tansu):   {servers.kafka_bootstrap}")
    typer.echo(f"  MongoDB (SecantusDB): {servers.mongodb_uri}")
    settings = embedded_settings(data_dir, servers, host, port)

    async def serve() -> None:
        async with servers.kept_alive():  # a broker or store that dies is started again
            await serve_until_stopped(settings, list(SERVICES))

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass
    finally:
        servers.stop()
        typer.echo("zhengji 已停止 / stopped")


@app.command()
def serve(
    service: str = typer.Argument(
        ..., help="intake | validator | transcoder | review | publisher | notifier"
    ),
) -> None:
    """运行单个服务（分布式模式）/ Run one service against external Kafka and MongoDB."""
    from zhengji.server import distributed_settings, serve_until_stopped

    configure_logging(json=True)
    asyncio.run(serve_until_stopped(distributed_settings(), [service]))


@app.command()
def demo(
    data_dir: Path = typer.Option(Path(".zhengji/demo"), help="演示数据目录 / demo data dir (wiped first)"),
    port: int = typer.Option(0, help="0 = a free port"),
) -> None:
    """演示：一次完整的征集活动 / Run a whole campaign end to end and print what happened."""
    from zhengji.demo import run_demo

    configure_logging(json=False, level="WARNING")
    ok = asyncio.run(run_demo(data_dir, port))
    raise typer.Exit(0 if ok else 1)


@app.command()
def validate(
    file: Path = typer.Argument(..., help="要检测的文件 / the file to check"),
    campaign: str = typer.Option(..., "--campaign", help="活动预设 / campaign preset id"),
    as_json: bool = typer.Option(False, "--json", help="JSON 输出 / print JSON"),
    title: str | None = typer.Option(None, help="作品名称（检查文件命名）"),
    school: str | None = typer.Option(None, help="学校"),
    name: str | None = typer.Option(None, help="姓名"),
    series: str | None = typer.Option(None, help="征集系列（如山西的 quiz）/ series key, e.g. quiz"),
    material: str | None = typer.Option(
        None, help="材料（如 courseware、registration_form）/ material key; default: the work itself"
    ),
    quick: bool = typer.Option(False, "--quick", help="只查文件头，不做画面声音检测 / headers only"),
) -> None:
    """学校自检：按活动要求检测作品 / Check a file against a campaign, no services needed.

    Exit code 0: passed; 1: failed; 2: the check itself could not run."""
    from services.intake.presets import InvalidCampaign, UnknownPreset, load_preset
    from services.validator.report import render_text
    from services.validator.selfcheck import NoSuchMaterial, choose_material, exit_code, self_check

    try:
        spec = load_preset(campaign)
        chosen = choose_material(spec, series, material)
    except (UnknownPreset, InvalidCampaign, NoSuchMaterial) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    if not file.exists():
        typer.echo(f"文件不存在 / no such file: {file}", err=True)
        raise typer.Exit(2)
    naming = (title, school, name) if title and school and name else None
    result = asyncio.run(self_check(file, spec, naming=naming, material=chosen, quality=not quick))
    if as_json:
        json.dump(result.model_dump(mode="json"), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        typer.echo(render_text(result.findings))
        if result.tool_error:
            typer.echo(f"检测工具无法运行 / the check could not run: {result.tool_error}", err=True)
        typer.echo("结论 / verdict: " + ("通过 passed" if result.passed else "未通过 failed"))
    raise typer.Exit(exit_code(result))


if __name__ == "__main__":
    app()
