"""``zhengji validate``: a school's self-check of a file against a campaign, no services needed.

Start-up is most of what one check costs, so this module imports typer and the standard
library only; the campaign, the probe and the rules are imported when the command runs, and
nothing of the services' web, store or broker code is."""

import asyncio
import json
import sys
from pathlib import Path

import typer

validate_app = typer.Typer(add_completion=False)


@validate_app.command()
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
