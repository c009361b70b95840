"""Validator: checks each submitted work against its campaign's spec.

The same stages run here and in ``zhengji validate`` on a teacher's own
machine (``selfcheck.py``), so a school sees exactly the findings the service
will give. The Kafka handler does only the cheap part: ffprobe and the header
rules (bounded by ``probe_timeout_s``), and the checks of the entry's other
files (courseware, the stamped form). When the notice states a rule that needs
the one decode pass (frame timing, flashes, loudness, QR codes ...), and the
headers passed, the handler enqueues a job instead of answering, so a long
file never holds the consumer past Kafka's poll interval
(docs/decisions/0003-long-jobs.md). A worker runs the pass under a lease and
emits ``submission.validated`` in one transaction with the job's end. A job
whose every attempt died (a crash, the worker killed) ends with the header
verdict and a ``quality.incomplete`` warning: the entrant is not left waiting.
"""

from contextlib import AsyncExitStack
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from contracts import TOPICS, SubmissionSubmitted, SubmissionValidated
from contracts.campaign import Campaign, Material, WorkKind
from contracts.events import Finding, Severity
from services.common.backlog import QueueBacklog
from services.common.consumer import Effect
from services.common.cpu_quota import threads_per_job
from services.common.job_runner import Ending, JobRunner
from services.common.jobs import DONE, FAILED, Job, JobTable
from services.common.service import Service
from services.validator.bounded_check import check_material_bounded
from services.validator.material_choice import guess_material
from services.validator.qc_graph import CHEAP
from services.validator.quality import QualityResult
from services.validator.quiz import questions_counted
from services.validator.report import verdict
from services.validator.screen_text_rules import shown_fields
from services.validator.selfcheck import (
    HeaderStage,
    SelfCheckResult,
    check_headers,
    check_quality_stage,
    finish,
)

_MEDIA = (WorkKind.VIDEO, WorkKind.AUDIO)


def _base_key(key: str) -> str:
    """Intake names the files of a set "photos.1", "photos.2"."""
    return key.split(".", 1)[0]


def abandoned_finding(attempts: int) -> Finding:
    return Finding(
        rule_id="quality.incomplete",
        severity=Severity.WARNING,
        expected="完成画面与声音质量检测",
        measured=f"{attempts}次尝试均未完成",
        message_zh=f"自动质量检测{attempts}次尝试均未完成，画面和声音质量未检查：如多次出现，请联系活动管理员",
        message_en=f"The automatic quality check did not finish in {attempts} attempt(s); picture and sound "
        "quality were not checked: if this happens again, contact the campaign administrator",
    )


class ValidatorService(Service):
    name = "validator"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.jobs = JobTable(self.db, "jobs", lease_s=self.settings.job_lease_s)
        # Configured like the transcoder's runner in shape only: the one JobRunner, its own work.
        self.runner = JobRunner[QualityResult | str | None](
            self.jobs,
            self.deps.client,
            kind="validate",
            work=self.check_quality,
            conclude=self.concluded,
            on_abandoned=self.abandoned,
            concurrency=self.settings.validator_concurrency,
        )
        # ffmpeg's own thread choice counts the node's cores; share the container's quota instead.
        self.decode = replace(CHEAP, threads=threads_per_job(self.settings.validator_concurrency))

    def register(self) -> None:
        super().register()
        self.consume(TOPICS["submitted"], SubmissionSubmitted, self.on_submitted)

    async def setup(self) -> None:
        await self.jobs.create_indexes()

    async def start(self) -> None:
        await super().start()
        self.run_jobs(self.runner, max(0.5, self.settings.job_lease_s / 2), "sweep")
        backlog = QueueBacklog({"quality_check": (self.jobs, {})})
        self.spawn_every(self.settings.backlog_every_s, backlog.refresh, "backlog")

    async def on_submitted(self, event: SubmissionSubmitted) -> Effect:
        campaign = await self.campaign(event.campaign_id)
        work = campaign.work_material(event.entry.series, event.entry.work)
        if work is None:  # a series' entry from before entries carried their series: guess it
            work = guess_material(campaign, event.media.media_type, {_base_key(k) for k in event.materials})
        async with self.deps.blobs.local_copy(event.media) as path:  # ffprobe seeks
            stage = await check_headers(
                path, campaign, naming=None, material=work, timeout_s=self.settings.probe_timeout_s
            )
        stage = stage.model_copy(update={"shown": shown_fields(campaign, stage.video_spec, event.on_screen)})
        if stage.tool_error:
            # Our fault, not the entrant's: retry, then the dead-letter topic; never a false "failed".
            raise RuntimeError(f"validation could not run: {stage.tool_error}")
        others = await self._other_materials(event, campaign)
        if stage.wants_quality:
            payload = {
                "event": event.model_dump_json(),
                "stage": stage.model_dump_json(),
                "others": [f.model_dump(mode="json") for f in others],
            }
            job_id = f"{event.submission_id}:v{event.entry.version}"
            cost = (stage.probe.duration_s if stage.probe else None) or 0.0
            self.log.info("quality_job_enqueued", job_id=job_id)
            enqueue = self.jobs.enqueue_writes(job_id, payload, cost, again=True)
            return Effect(bulk=enqueue, committed=self.jobs.wake.set)
        return self._effect(event, finish(stage, None), others)

    async def _other_materials(self, event: SubmissionSubmitted, campaign: Campaign) -> list[Finding]:
        """The entry's other files (courseware, the stamped form, a set of photos), by their kind, each
        material parsed in a bounded child (``bounded_check``): a hostile file becomes a finding."""
        found: list[Finding] = []
        by_key = {m.key: m for m in campaign.materials}
        by_key |= {m.key: m for s in campaign.series for m in s.materials if m.key not in by_key}
        async with AsyncExitStack() as copies:  # readers seek: local files, gone when checked
            files: dict[str, tuple[Material, list[Path]]] = {}
            for key, ref in sorted(event.materials.items()):  # "photos.1", "photos.2": one set
                material = by_key.get(_base_key(key))
                if material is None or material.primary or material.kind in _MEDIA:
                    continue
                if material.key == event.entry.work:
                    continue
                path = await copies.enter_async_context(self.deps.blobs.local_copy(ref))
                files.setdefault(material.key, (material, []))[1].append(path)
            for material, paths in files.values():
                found += await check_material_bounded(paths, material, self.settings.probe_timeout_s)
        return found

    def _validated(
        self, event: SubmissionSubmitted, result: SelfCheckResult, others: list[Finding]
    ) -> tuple[SubmissionValidated, dict[str, Any]]:
        findings = [*result.findings, *others]
        passed = verdict(findings)
        if (questions := questions_counted(result.findings)) is not None:
            event = event.model_copy(
                update={"entry": event.entry.model_copy(update={"questions": questions})}
            )
        validated = SubmissionValidated.follow_on(
            event,
            self.name,
            media=event.media,
            passed=passed,
            findings=findings,
            duration_s=result.duration_s,
        )
        report: dict[str, Any] = {
            "_id": f"{event.submission_id}:v{event.entry.version}",
            "submission_id": event.submission_id,
            "version": event.entry.version,
            "passed": passed,
            "findings": [f.model_dump(mode="json") for f in findings],
            "quality": result.quality.model_dump(mode="json") if result.quality else None,
            "media_sha256": event.media.sha256,
            "checked_at": datetime.now(UTC),
        }
        self.log.info("validated", passed=passed, findings=len(findings))
        return validated, report

    def _effect(self, event: SubmissionSubmitted, result: SelfCheckResult, others: list[Finding]) -> Effect:
        validated, report = self._validated(event, result, others)

        async def writes(session: AsyncClientSession) -> None:
            await self.db["reports"].replace_one({"_id": report["_id"]}, report, upsert=True, session=session)

        return Effect(writes=writes, emit=[validated])

    def _job_parts(self, job: Job) -> tuple[SubmissionSubmitted, HeaderStage, list[Finding]]:
        event = SubmissionSubmitted.model_validate_json(job["payload"]["event"])
        stage = HeaderStage.model_validate_json(job["payload"]["stage"])
        others = [Finding.model_validate(f) for f in job["payload"].get("others", [])]
        return event, stage, others

    async def check_quality(self, job: Job) -> QualityResult | str | None:
        """The one decode pass of a quality job (the long part, under the job's lease)."""
        event, stage, _ = self._job_parts(job)
        # The blob as a file on this worker (a copy on object storage; on a shared volume, its path here).
        async with self.deps.blobs.local_copy(event.media) as path:
            stage = stage.model_copy(update={"path": str(path)})
            return await check_quality_stage(
                stage, base_timeout_s=self.settings.probe_timeout_s, settings=self.decode
            )

    def concluded(self, job: Job, quality: QualityResult | str | None) -> Ending:
        if isinstance(quality, str):  # ours, not the file's: the job is tried again after its lease
            raise RuntimeError(f"quality check could not run: {quality}")
        event, stage, others = self._job_parts(job)
        return self._ending(DONE, event, finish(stage, quality), others)

    async def abandoned(self, job: Job) -> Ending:
        """A job whose every attempt died ends with the header verdict and a warning."""
        event, stage, others = self._job_parts(job)
        result = finish(stage, None)
        warned = result.model_copy(
            update={"findings": [*result.findings, abandoned_finding(int(job.get("attempts", 0)))]}
        )
        return self._ending(FAILED, event, warned, others)

    def _ending(
        self, state: str, event: SubmissionSubmitted, result: SelfCheckResult, others: list[Finding]
    ) -> Ending:
        validated, report = self._validated(event, result, others)

        async def writes(session: AsyncClientSession) -> None:
            await self.db["reports"].replace_one({"_id": report["_id"]}, report, upsert=True, session=session)
            await self.outbox.add([validated], session, causation=str(event.event_id))

        return Ending(state, writes=writes)
