"""The ``zhengji`` command line: up, demo, serve, validate, admin (entry point: ``zhengji.entry``)."""

import asyncio
from pathlib import Path

import typer

from services.common.log import configure_logging
from zhengji.admin_cli import admin
from zhengji.campaign_cli import campaign_app
from zhengji.validate_cli import validate

app = typer.Typer(
    help="征集 zhengji: call-for-submissions campaigns, from upload to showcase.",
    no_args_is_help=True,
    add_completion=False,
)
app.add_typer(admin, name="admin")
app.add_typer(campaign_app, name="campaign")
app.command()(validate)


@app.command()
def up(
    data_dir: Path = typer.Option(Path(".zhengji"), help="数据目录 / where data lives"),
    host: str = typer.Option("127.0.0.1"),
    port: int = typer.Option(8000),
    kafka_port: int = typer.Option(0, help="内嵌 Kafka 端口，0 = 任一空闲端口 / embedded broker port"),
    mongo_port: int = typer.Option(0, help="内嵌存储端口，0 = 任一空闲端口 / embedded store port"),
) -> None:
    """运行全部服务（内嵌模式）/ Run all five services on the embedded broker and store."""
    from zhengji.embedded import EmbeddedServers
    from zhengji.runtime import SERVICES
    from zhengji.server import embedded_settings, serve_until_stopped

    configure_logging(json=False)
    servers = EmbeddedServers(data_dir, kafka_port=kafka_port, mongo_port=mongo_port)
    asyncio.run(servers.astart())  # spawned from this (the main) thread: see die_with_parent
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
    serve: bool = typer.Option(
        False, "--serve", help="结束后继续运行并打印各角色登录 / keep running, with a login per role"
    ),
) -> None:
    """演示：一次完整的征集活动 / Run a whole campaign end to end and print what happened."""
    from zhengji.demo import run_demo

    configure_logging(json=False, level="WARNING")
    ok = asyncio.run(run_demo(data_dir, port, serve))
    raise typer.Exit(0 if ok else 1)


if __name__ == "__main__":
    app()
