"""The ``zhengji`` command's entry point.

``zhengji validate`` goes straight to its own small app: a teacher's self-check pays for typer,
pydantic and ffprobe, not for the settings, store and broker code the other commands import
(0.5 s of start-up per file, when a folder of forty is checked one file at a time)."""

import sys


def main() -> None:
    if sys.argv[1:2] == ["validate"]:
        from zhengji.validate_cli import validate_app

        validate_app(args=sys.argv[2:], prog_name="zhengji validate")
    elif sys.argv[1:2] == ["campaign"]:  # as light: a school lints a definition before it is loaded
        from zhengji.campaign_cli import campaign_app

        campaign_app(args=sys.argv[2:], prog_name="zhengji campaign")
    else:
        from zhengji.cli import app

        app()


if __name__ == "__main__":
    main()
