"""``zhengji campaign lint FILE.yaml``: every problem of a campaign definition, with its path.

Like ``zhengji validate`` this module imports typer alone; the model and the checks are imported
when the command runs, nothing of the services' web, store or broker code. Exit code 0: no
errors (warnings are printed but pass); 1: errors; 2: the file cannot be read as YAML."""

from pathlib import Path

import typer

campaign_app = typer.Typer(help="活动定义 / campaign definitions", no_args_is_help=True, add_completion=False)


@campaign_app.callback()
def campaign() -> None:
    """活动定义 / campaign definitions (a group, so that ``lint`` is named as a subcommand)."""


@campaign_app.command("lint")
def lint(
    path: Path = typer.Argument(..., help="活动 YAML 文件 / the campaign's YAML file"),
    as_json: bool = typer.Option(False, "--json", help="JSON 输出 / print JSON"),
) -> None:
    """检查活动定义 / Print every problem of a campaign definition, with its path."""
    import json

    from services.intake.campaign_lint import lint_yaml

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        typer.echo(f"无法读取文件 / cannot read {path}: {exc}", err=True)
        raise typer.Exit(2) from exc
    found = lint_yaml(text)
    if as_json:
        typer.echo(json.dumps(found.as_json(), ensure_ascii=False, indent=2))
    else:
        for problem in found.problems:
            typer.echo(problem.line())
        errors, warnings = len(found.errors), len(found.problems) - len(found.errors)
        typer.echo(f"{path}: {errors} 个错误，{warnings} 个警告 / {errors} errors, {warnings} warnings")
    raise typer.Exit(2 if not found.readable else 1 if found.errors else 0)
