"""The file naming convention of a campaign ("{title}—{school}{name}"). Pure.

It applies only when the entrant's title, school and name are known (the
upload form, or ``zhengji validate --title --school --name``)."""

import re
from pathlib import Path

from contracts.events import Finding, Severity
from contracts.naming import fill, follows, normalise, placeholders

# Everything a teacher may type for the dash of "{title}—{school}{name}": ASCII hyphens, the
# en dash, the full-width hyphen and the IME's double em dash "——".
_DASHES = re.compile(r"[-‐‑–—―－]+")


def check_name(
    path: Path, naming_rule: str, naming: tuple[str, str, str], labels: dict[str, str]
) -> Finding | None:
    """The file's stem must equal the campaign's naming rule filled in with (title, school, name)."""
    title, school, name = naming
    # The same filling and comparison as intake's (contracts.naming): a placeholder the self-check
    # was not given stays visible in the hint rather than silently blank.
    expected = fill(naming_rule, {"title": title, "school": school, "name": name}, keep_missing=True)
    if follows(path.stem, expected):
        return None
    # The rule in the words of the form ("作品名称—学校姓名"), as the notice phrases it.
    pattern = fill(naming_rule, {f: labels.get(f, f) for f in placeholders(naming_rule)})
    wanted = f"{expected}{path.suffix}"
    dash = _DASHES.search(naming_rule)
    if dash and _DASHES.sub("—", normalise(path.stem)) == _DASHES.sub("—", expected):
        zh = f"文件名中的连接符不对：应为“{dash.group()}”，请将文件重命名为“{wanted}”"
        en = f"The dash in the file name is wrong: use '{dash.group()}'; rename the file '{wanted}'"
    else:
        zh = f"文件名为“{path.name}”，应按“{pattern}”命名：请将文件重命名为“{wanted}”"
        en = f"The file is named '{path.name}' but must follow '{pattern}': rename it '{wanted}'"
    return Finding(
        rule_id="file.name",
        severity=Severity.ERROR,
        expected=wanted,
        measured=path.name,
        message_zh=zh,
        message_en=en,
    )
