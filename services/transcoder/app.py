"""Transcoder: delivery masters and streaming renditions, one job per validated upload.

The Kafka handler only enqueues a job; workers run it under a lease from the job table
(docs/decisions/0003-long-jobs.md), renew the lease with the job's progress, and finish it in
one transaction with the ``transcoded`` event. What a job makes is in pipeline.py; the
decisions behind the outputs are in docs/decisions/0004-transcoder-outputs.md."""

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from contracts import TOPICS, SubmissionTranscoded, SubmissionValidated
from contracts.campaign import VideoSpec, WorkKind
from services.common.backlog import QueueBacklog
from services.common.consumer import Effect
from services.common.job_runner import Ending, JobRunner
from services.common.jobs import CANCELLED, DONE, FAILED, QUEUED, RUNNING, Job, JobTable
from services.common.service import Service
from services.common.store import in_transaction
from services.media.probe import ProbeFailed
from services.media.process import Completed, run_ffmpeg
from services.transcoder.encoders import EncoderChoice, choose
from services.transcoder.failures import CANCELLED_REASON, TranscodeFailed, abandoned
from services.transcoder.hardware import Hardware, detect
from services.transcoder.pipeline import OnProgress, Transcode
from services.transcoder.scrubbing import Scrub
from services.transcoder.workdirs import make_workdir, sweep_stale

# What a job's work gives: its outcome, and what the job row keeps (plan, timings), even on failure.
Transcoded = tuple[SubmissionTranscoded, dict[str, Any]]


class TranscoderService(Service):
    name = "transcoder"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.jobs = JobTable(self.db, "jobs", lease_s=self.settings.job_lease_s)
        self.runner = JobRunner[Transcoded](
            self.jobs,
            self.deps.client,
            kind="transcode",
            work=self.transcode,
            conclude=self.concluded,
            on_abandoned=self.abandoned,
            progress=self.progress,
            concurrency=self.settings.transcoder_concurrency,
        )
        self.hardware: Hardware | None = None
        self.encoder: EncoderChoice | None = None
        self.transcodes: dict[str, Transcode] = {}  # job id -> the transcode running here
        from services.transcoder.api import router  # the routes import this module

        self.router = router

    def register(self) -> None:
        super().register()
        self.consume(TOPICS["validated"], SubmissionValidated, self.on_validated)

    async def setup(self) -> None:
        await self.jobs.create_indexes()
        await self.db["jobs"].create_index([("payload.submission_id", 1), ("created_at", -1)])
        self.hardware = await detect()
        self.encoder = choose(
            self.settings.transcoder_encoder,
            self.hardware.nvenc,
            self.hardware.nvdec,
            self.hardware.cpus,
            self.settings.transcoder_concurrency,
        )
        self.log.info("encoder_chosen", **self.encoder.__dict__, cpus=self.hardware.cpus)

    async def start(self) -> None:
        await super().start()
        sweep_every_s = max(0.5, self.settings.job_lease_s / 2)
        self.run_jobs(self.runner, sweep_every_s, "sweep")
        self.spawn_every(sweep_every_s, self.sweep_workdirs, "workdir_sweep")
        backlog = QueueBacklog({"transcode": (self.jobs, {})})
        self.spawn_every(self.settings.backlog_every_s, backlog.refresh, "backlog")

    async def on_validated(self, event: SubmissionValidated) -> Effect:
        if not event.passed:
            return Effect()
        campaign = await self.campaign(event.campaign_id)  # NotReady until its spec has arrived
        work = campaign.work_material(event.entry.series, event.entry.work)
        # The series' work says what it is; without one (an event from before entries carried their
        # series) the stored media type does.
        video = work.kind == WorkKind.VIDEO if work else event.media.media_type.startswith("video/")
        spec = work.video if work else None
        payload = {
            "event": event.model_dump_json(),
            "submission_id": event.submission_id,
            "version": event.entry.version,
            "spec": spec.model_dump(mode="json") if spec else None,
        }
        if not video:
            # Not a video work (audio, images, text, a quiz set): its master is a copy without
            # metadata (scrubbing.py), made by a job like a video's.
            audio = work.kind == WorkKind.AUDIO if work else event.media.media_type.startswith("audio/")
            payload["scrub"] = "audio" if audio else "file"
        job_id = f"{event.submission_id}:v{event.entry.version}"
        enqueue = self.jobs.enqueue_writes(job_id, payload, event.duration_s or 0.0, again=True)
        return Effect(bulk=enqueue, committed=self.jobs.wake.set)

    async def cancel(self, job: Job, reason: str = CANCELLED_REASON) -> bool:
        """Cancel a queued or running job, with its failed ``transcoded`` event, in one transaction;
        False if it had already ended. However many cancels race, one event results."""

        async def work(session: AsyncClientSession) -> bool:
            return await self._cancel_in(job, reason, session)

        cancelled = await in_transaction(self.deps.client, work)
        if cancelled:
            # Kills its ffmpeg here at once; a worker elsewhere stops at its next renewal.
            self.runner.cancel_here(job["_id"])
        return cancelled

    async def _cancel_in(self, job: Job, reason: str, session: AsyncClientSession) -> bool:
        result = await self.db["jobs"].update_one(
            {"_id": job["_id"], "state": {"$in": [QUEUED, RUNNING]}},
            {"$set": {"state": CANCELLED, "reason": reason, "finished_at": datetime.now(UTC)}},
            session=session,
        )
        if result.modified_count != 1:
            return False
        event = SubmissionValidated.model_validate_json(job["payload"]["event"])
        outcome = self.outcome(event, succeeded=False, reason=reason)
        await self.outbox.add([outcome], session, causation=str(event.event_id))
        return True

    async def ffmpeg(self, args: list[str], timeout_s: float, on_progress: OnProgress | None) -> Completed:
        """Every ffmpeg run of a job goes through here (one place to bound or observe them)."""
        return await run_ffmpeg(args, timeout_s, on_progress)

    async def transcode(self, job: Job) -> Transcoded:
        """One job's transcode (the long part, under the job's lease); its work dir goes when it ends."""
        event = SubmissionValidated.model_validate_json(job["payload"]["event"])
        # ffmpeg seeks its input (probe, then encode): a local file (the blob itself on a directory).
        async with self.deps.blobs.local_copy(event.media) as source:
            if job["payload"].get("scrub"):
                return await self._scrub(job, event, source)
            return await self._transcode(job, event, source)

    async def _scrub(self, job: Job, event: SubmissionValidated, source: Path) -> Transcoded:
        workdir = make_workdir(self.deps.blobs.work_dir("tmp"), job)
        scrub = Scrub(
            event.media,
            source,
            workdir,
            audio=job["payload"]["scrub"] == "audio",
            blobs=self.deps.blobs,
            runner=self.ffmpeg,
            timeout_s=self.settings.transcode_timeout_s,
            probe_timeout_s=self.settings.probe_timeout_s,
        )
        try:
            renditions = await scrub.run()
            return self.outcome(event, succeeded=True, renditions=renditions), scrub.record
        except (TranscodeFailed, ProbeFailed) as exc:
            self.log.info("scrub_failed", reason=str(exc), detail=getattr(exc, "detail", ""))
            return self.outcome(event, succeeded=False, reason=str(exc)), scrub.record
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    async def _transcode(self, job: Job, event: SubmissionValidated, source: Path) -> Transcoded:
        assert self.encoder is not None, "setup() chooses the encoder before workers start"
        spec_doc = job["payload"].get("spec")
        workdir = make_workdir(self.deps.blobs.work_dir("tmp"), job)
        transcode = Transcode(
            source,
            workdir,
            blobs=self.deps.blobs,
            spec=VideoSpec.model_validate(spec_doc) if spec_doc else None,
            encoder=self.encoder,
            runner=self.ffmpeg,
            timeout_s=self.settings.transcode_timeout_s,
            probe_timeout_s=self.settings.probe_timeout_s,
            duration_hint_s=event.duration_s,
        )
        self.transcodes[job["_id"]] = transcode
        try:
            done = await transcode.run()
            return self.outcome(event, succeeded=True, renditions=done.renditions), transcode.record
        except (TranscodeFailed, ProbeFailed) as exc:
            self.log.info("transcode_failed", reason=str(exc), detail=getattr(exc, "detail", ""))
            return self.outcome(event, succeeded=False, reason=str(exc)), transcode.record
        finally:
            self.transcodes.pop(job["_id"], None)
            shutil.rmtree(workdir, ignore_errors=True)

    def progress(self, job: Job) -> dict[str, Any] | None:
        transcode = self.transcodes.get(job["_id"])
        if transcode is None:
            return None
        return {**transcode.progress.snapshot(), "plan": transcode.record.get("plan")}

    def concluded(self, job: Job, transcoded: Transcoded) -> Ending:
        outcome, record = transcoded
        self.log.info("transcoded", succeeded=outcome.succeeded, reason=outcome.reason)
        return self._ending(outcome, result=record)

    async def abandoned(self, job: Job) -> Ending:
        """A job whose every attempt died ends failed, with a reason."""
        event = SubmissionValidated.model_validate_json(job["payload"]["event"])
        return self._ending(
            self.outcome(event, succeeded=False, reason=abandoned(int(job.get("attempts", 0))))
        )

    def _ending(self, outcome: SubmissionTranscoded, **fields: Any) -> Ending:
        async def writes(session: AsyncClientSession) -> None:
            await self.outbox.add([outcome], session, causation=str(outcome.causation_id))

        state = DONE if outcome.succeeded else FAILED
        return Ending(state, {"reason": outcome.reason, **fields}, writes)

    async def sweep_workdirs(self) -> None:
        """Work dirs of attempts that are over (a worker killed mid-encode leaves its own behind)."""
        await sweep_stale(self.deps.blobs.work_dir("tmp"), self.jobs.get)

    def outcome(self, event: SubmissionValidated, **fields: Any) -> SubmissionTranscoded:
        return SubmissionTranscoded.follow_on(event, self.name, duration_s=event.duration_s, **fields)
