"""``zhengji validate``: a school's self-check of a file against a campaign, no services needed.

Start-up is most of what one check costs, so this module imports typer and the standard
library only; the campaign, the probe and the rules are imported when the command runs, and
nothing of the services' web, store or broker code is."""

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from contracts.campaign import Campaign, Material

validate_app = typer.Typer(add_completion=False)


@validate_app.command()
def validate(
    paths: list[Path] = typer.Argument(..., help="要检测的文件或文件夹 / files or folders to check"),
    campaign: str = typer.Option(
        ...,
        "--campaign",
        help="活动：预设名、YAML 文件或服务器上的活动网址 / preset id, campaign YAML file or URL",
    ),
    as_json: bool = typer.Option(False, "--json", help="JSON 输出 / print JSON"),
    title: str | None = typer.Option(None, help="作品名称（检查文件命名）"),
    school: str | None = typer.Option(None, help="学校"),
    name: str | None = typer.Option(None, help="姓名"),
    series: str | None = typer.Option(None, help="征集系列（如山西的 quiz）/ series key, e.g. quiz"),
    material: str | None = typer.Option(
        None, help="材料（如 courseware、registration_form）/ material key; default: the work itself"
    ),
    quick: bool = typer.Option(False, "--quick", help="只查文件头，不做画面声音检测 / headers only"),
    report: Path | None = typer.Option(
        None, "--report", help="写出 XLSX 报告（每个文件一行）/ write an XLSX report, e.g. out.xlsx"
    ),
    jobs: int = typer.Option(
        0, "--jobs", min=0, help="同时检测的文件数，0 = CPU 核数 / files checked at once, 0 = CPU count"
    ),
    field: list[str] = typer.Option([], "--field", help="片头应显示的报名信息 key=value / a form value"),
) -> None:
    """学校自检：按活动要求检测作品 / Check files against a campaign, no services needed.

    A folder is checked file by file, recursively, with one summary table (and --report).
    Exit code 0: all passed; 1: some file fails; 2: the check itself could not run."""
    from services.validator.selfcheck import NoSuchMaterial, choose_material
    from zhengji.campaign_source import CampaignUnavailable, load_campaign

    try:
        spec = load_campaign(campaign)
        chosen = choose_material(spec, series, material)
    except (CampaignUnavailable, NoSuchMaterial) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from exc
    if missing := [p for p in paths if not p.exists()]:
        typer.echo(f"文件不存在 / no such file: {', '.join(map(str, missing))}", err=True)
        raise typer.Exit(2)
    if len(paths) == 1 and paths[0].is_file() and report is None:
        naming = (title, school, name) if title and school and name else None
        on_screen = {k: v for k, v in [("title", title), ("school", school), ("name", name)] if v}
        on_screen |= dict(f.split("=", 1) for f in field if "=" in f)  # e.g. --field speaker_post=书记
        _check_one(paths[0], spec, chosen, naming, on_screen, quick=quick, as_json=as_json)
    _check_many(paths, spec, chosen, quick=quick, as_json=as_json, report=report, jobs=jobs)


def _check_one(
    file: Path,
    spec: "Campaign",
    chosen: "Material | None",
    naming: tuple[str, str, str] | None,
    on_screen: dict[str, str],
    *,
    quick: bool,
    as_json: bool,
) -> None:
    """One file: every finding with its fix."""
    from services.validator.report import render_text
    from services.validator.selfcheck import exit_code, self_check

    result = asyncio.run(
        self_check(file, spec, naming=naming, material=chosen, quality=not quick, on_screen=on_screen)
    )
    if as_json:
        json.dump(result.model_dump(mode="json"), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        typer.echo(render_text(result.findings))
        if result.tool_error:
            typer.echo(f"检测工具无法运行 / the check could not run: {result.tool_error}", err=True)
        typer.echo("结论 / verdict: " + ("通过 passed" if result.passed else "未通过 failed"))
    raise typer.Exit(exit_code(result))


def _check_many(
    paths: list[Path],
    spec: "Campaign",
    chosen: "Material | None",
    *,
    quick: bool,
    as_json: bool,
    report: Path | None,
    jobs: int,
) -> None:
    """Files and folders: progress on stderr, one table (or JSON) on stdout, the XLSX if asked."""
    from services.validator.batch_check import FileOutcome, check_files, exit_code_of, files_in
    from services.validator.batch_report import render_table, write_xlsx

    files = files_in(paths)
    done = 0

    def progress(outcome: FileOutcome) -> None:
        nonlocal done
        done += 1
        typer.echo(f"[{done}/{len(files)}] {outcome.shown}: {outcome.verdict}", err=True)

    outcomes = asyncio.run(
        check_files(
            files,
            spec,
            material=chosen,
            quality=not quick,
            jobs=jobs or os.cpu_count() or 1,
            on_done=progress,
        )
    )
    if as_json:
        rows = [
            {
                "path": o.shown,
                "verdict": o.verdict,
                "result": o.result.model_dump(mode="json") if o.result else None,
                "reason": o.reason,
            }
            for o in outcomes
        ]
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        typer.echo(render_table(outcomes))
    if report is not None:
        write_xlsx(outcomes, report)
        typer.echo(f"报告已写入 / report written: {report}", err=True)
    raise typer.Exit(exit_code_of(outcomes))
