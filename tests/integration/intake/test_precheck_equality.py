"""The pre-check and the server agree: for every file of the project's test media and every media
rule of every shipped preset, the findings the page's reader leads to (precheck_read.js on the
vendored mediainfo.js, run by node on the file, then ``browser_probe`` and the header rules) have
the same verdict and the same rule ids as the validator's header check (ffprobe, the same rules).

Two differences are known and asserted as they are, so that any other shows: a variable frame
rate whose nominal rate MediaInfo does not report leaves the header hint (a warning) silent, and
an FLV that declares streams but holds no frame has a picture size MediaInfo reads from its codec
header and ffprobe does not. Neither changes a verdict; the decode pass on the server finds both."""

from pathlib import Path

import pytest

from contracts.campaign import AudioSpec, VideoSpec
from contracts.events import Finding, Severity
from services.intake.presets import list_presets, load_preset
from services.media.browser_probe import BrowserHeaders, probe_from_browser
from services.media.header_rules import header_findings, media_spec, unreadable
from services.media.probe import Probe, ProbeFailed, probe
from tests.integration.intake import precheck_corpus

Spec = VideoSpec | AudioSpec
KNOWN = {
    ("variable-rate", "yanbian-2024"): {"server_only": ["video.constant_frame_rate"], "browser_only": []},
    ("no-frames", "yanbian-2024"): {
        "server_only": ["video.constant_frame_rate"],
        "browser_only": ["video.resolution"],
    },
    ("no-frames", "liaoning-micro-party-lesson-2023"): {
        "server_only": [],
        "browser_only": ["video.resolution"],
    },
}


def preset_specs() -> list[tuple[str, Spec]]:
    """Every audio or video rule set a shipped preset states: the work's, and each series' work's."""
    specs = []
    for preset in list_presets():
        campaign = load_preset(preset)
        for series in [None, *(s.key for s in campaign.series)]:
            spec = media_spec(campaign.work_material(series))
            if spec is not None and (preset, spec) not in specs:
                specs.append((preset, spec))
    return specs


def findings(read: Probe | ProbeFailed, spec: Spec) -> list[Finding]:
    return [unreadable(read)] if isinstance(read, ProbeFailed) else header_findings(read, spec)


def passed(found: list[Finding]) -> bool:
    return not any(f.severity is Severity.ERROR for f in found)


def from_browser(headers: dict[str, object]) -> Probe | ProbeFailed:
    try:
        return probe_from_browser(BrowserHeaders.model_validate(headers))
    except ProbeFailed as failure:
        return failure


async def from_ffprobe(path: Path) -> Probe | ProbeFailed:
    try:
        return await probe(path)
    except ProbeFailed as failure:
        return failure


@pytest.mark.timeout(600)
async def test_the_browser_and_the_server_give_the_same_verdicts_and_rules(tmp_path: Path) -> None:
    corpus = precheck_corpus.build(tmp_path / "corpus")
    read = precheck_corpus.browser_headers(list(corpus.values()))
    specs = preset_specs()
    assert len(corpus) >= 25 and len(specs) >= 5
    differences = {}
    for name, path in corpus.items():
        server_read, browser_read = await from_ffprobe(path), from_browser(read[str(path)])
        for preset, spec in specs:
            server, browser = findings(server_read, spec), findings(browser_read, spec)
            assert passed(server) == passed(browser), (name, preset)
            ids = [f.rule_id for f in server], [f.rule_id for f in browser]
            if ids[0] != ids[1]:
                differences[(name, preset)] = {
                    "server_only": [i for i in ids[0] if i not in ids[1]],
                    "browser_only": [i for i in ids[1] if i not in ids[0]],
                }
    assert differences == KNOWN
