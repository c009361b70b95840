"""Transcoder: delivery masters and streaming renditions, one job per validated upload.

The Kafka handler only enqueues a job; workers run it under a lease from the job table
(docs/decisions/0003-long-jobs.md), renew the lease with the job's progress, and finish it in
one transaction with the ``transcoded`` event. What a job makes is in pipeline.py; the
decisions behind the outputs are in docs/decisions/0004-transcoder-outputs.md."""

import asyncio
import contextlib
import os
import shutil
import socket
import time
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from contracts import TOPICS, Rendition, SubmissionTranscoded, SubmissionValidated
from contracts.campaign import VideoSpec, WorkKind
from services.common.consumer import Effect
from services.common.jobs import (
    CANCELLED,
    DONE,
    FAILED,
    QUEUED,
    RUNNING,
    Job,
    JobTable,
    LeaseLost,
    run_workers,
)
from services.common.mediaproc import Completed, run_ffmpeg
from services.common.metrics import JOB_SECONDS, JOBS_RUNNING
from services.common.service import Service
from services.transcoder.encoders import EncoderChoice, choose
from services.transcoder.failures import CANCELLED_REASON, TranscodeFailed, abandoned
from services.transcoder.hardware import Hardware, detect
from services.transcoder.pipeline import OnProgress, Transcode
from services.transcoder.workdirs import make_workdir, sweep_stale
from services.validator.probe import ProbeFailed


class TranscoderService(Service):
    name = "transcoder"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.jobs = JobTable(self.db, "jobs", lease_s=self.settings.job_lease_s)
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.hardware: Hardware | None = None
        self.encoder: EncoderChoice | None = None
        self.running: dict[str, asyncio.Task[Any]] = {}  # job id -> its work, to cancel it here
        self._jobs: set[asyncio.Task[Any]] = set()  # the run_job tasks, to stop them with the service
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
        self.spawn(run_workers(self.jobs, self.worker_id, self.settings.transcoder_concurrency, self.run_job))
        self.spawn_every(max(0.5, self.settings.job_lease_s / 2), self.sweep_once, "sweep")

    async def on_validated(self, event: SubmissionValidated) -> Effect:
        if not event.passed:
            return Effect()
        campaign = await self.campaign(event.campaign_id)  # NotReady until its spec has arrived
        work = campaign.work_material(event.entry.series, event.entry.work)
        # The series' work says what it is; without one (an event from before entries carried their
        # series) the stored media type does.
        video = work.kind == WorkKind.VIDEO if work else event.media.media_type.startswith("video/")
        if not video:
            # Not a video work (audio, images, text, a quiz set): nothing to transcode. The work as
            # submitted is its own delivery file, so platforms receive it like a video's master.
            master = Rendition(name="master", blob=event.media, kind="master")
            return Effect(emit=[self.outcome(event, succeeded=True, renditions=[master])])
        spec = work.video if work else None
        payload = {
            "event": event.model_dump_json(),
            "submission_id": event.submission_id,
            "version": event.entry.version,
            "spec": spec.model_dump(mode="json") if spec else None,
        }
        job_id = f"{event.submission_id}:v{event.entry.version}"

        async def writes(session: AsyncClientSession) -> None:
            await self.jobs.enqueue(job_id, payload, event.duration_s or 0.0, session)

        return Effect(writes=writes)

    async def cancel(self, job: Job, reason: str = CANCELLED_REASON) -> bool:
        """Cancel a queued or running job, with its failed ``transcoded`` event, in one transaction;
        False if it had already ended. However many cancels race, one event results."""

        async def work(session: AsyncClientSession) -> bool:
            return await self._cancel_in(job, reason, session)

        async with self.deps.client.start_session() as session:
            cancelled = bool(await session.with_transaction(work))
        task = self.running.get(job["_id"])
        if cancelled and task is not None:
            task.cancel()  # kills its ffmpeg at once; a worker elsewhere stops at its next renewal
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

    async def run_job(self, job: Job) -> None:
        assert self.encoder is not None, "setup() chooses the encoder before workers start"
        event = SubmissionValidated.model_validate_json(job["payload"]["event"])
        spec_doc = job["payload"].get("spec")
        workdir = make_workdir(self.deps.blobs.tmp, job)
        transcode = Transcode(
            self.deps.blobs.path_of(event.media),
            workdir,
            blobs=self.deps.blobs,
            spec=VideoSpec.model_validate(spec_doc) if spec_doc else None,
            encoder=self.encoder,
            runner=self.ffmpeg,
            timeout_s=self.settings.transcode_timeout_s,
            probe_timeout_s=self.settings.probe_timeout_s,
            duration_hint_s=event.duration_s,
        )
        work = asyncio.create_task(transcode.run())
        self.running[job["_id"]] = work
        me = asyncio.current_task()
        if me is not None:
            self._jobs.add(me)
        heartbeat = asyncio.create_task(
            self.jobs.hold_lease(
                job,
                work,
                self.log,
                lambda: {**transcode.progress.snapshot(), "plan": transcode.record.get("plan")},
            )
        )
        started, result = time.perf_counter(), "failed"
        JOBS_RUNNING.labels("transcode").inc()
        try:
            try:
                done = await work
                outcome = self.outcome(event, succeeded=True, renditions=done.renditions)
                result = "done"
            except (TranscodeFailed, ProbeFailed) as exc:
                outcome = self.outcome(event, succeeded=False, reason=str(exc))
                self.log.info("transcode_failed", reason=str(exc), detail=getattr(exc, "detail", ""))
            heartbeat.cancel()
            await self._finish(job, outcome, result=transcode.record)
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # the service is stopping: the lease runs out and another worker redoes the job
            result = "cancelled"  # cancelled here, or the lease went to another worker: no effects
            self.log.info("job_stopped", job_id=job["_id"])
        except LeaseLost:
            result = "lease_lost"
            self.log.warning("job_lease_lost", job_id=job["_id"])
        except Exception as exc:  # ours, not the file's (ffmpeg missing, store away): retried after the lease
            self.log.error("job_crashed", job_id=job["_id"], error=repr(exc))
        finally:
            heartbeat.cancel()
            work.cancel()
            self.running.pop(job["_id"], None)
            if me is not None:
                self._jobs.discard(me)
            JOBS_RUNNING.labels("transcode").dec()
            JOB_SECONDS.labels("transcode", result).observe(time.perf_counter() - started)
            shutil.rmtree(workdir, ignore_errors=True)

    async def stop(self) -> None:
        """Stop the jobs running here with the service: their ffmpeg is killed and their work dirs
        removed; their rows stay claimed until the lease runs out, then another worker redoes them."""
        jobs = list(self._jobs)
        for task in jobs:
            task.cancel()
        await asyncio.gather(*jobs, return_exceptions=True)
        await super().stop()

    async def _finish(self, job: Job, outcome: SubmissionTranscoded, **fields: Any) -> None:
        state = DONE if outcome.succeeded else FAILED

        async def work(session: AsyncClientSession) -> None:
            await self.jobs.finish(job, state, session, reason=outcome.reason, **fields)
            await self.outbox.add([outcome], session, causation=str(outcome.causation_id))

        async with self.deps.client.start_session() as session:
            await session.with_transaction(work)
        self.log.info("transcoded", succeeded=outcome.succeeded, reason=outcome.reason)

    async def sweep_once(self) -> None:
        """Jobs whose every attempt died end failed, with a reason; stale work dirs go."""
        for job in await self.jobs.abandoned():
            event = SubmissionValidated.model_validate_json(job["payload"]["event"])
            outcome = self.outcome(event, succeeded=False, reason=abandoned(int(job.get("attempts", 0))))
            # LeaseLost: its worker finished after all, or another sweeper got there first.
            with contextlib.suppress(LeaseLost):
                await self._finish(job, outcome)
        await sweep_stale(self.deps.blobs.tmp, self.jobs.get)

    def outcome(self, event: SubmissionValidated, **fields: Any) -> SubmissionTranscoded:
        return SubmissionTranscoded(
            submission_id=event.submission_id,
            campaign_id=event.campaign_id,
            correlation_id=event.correlation_id,
            causation_id=event.event_id,
            producer=self.name,
            entry=event.entry,
            attribution=event.attribution,
            duration_s=event.duration_s,
            **fields,
        )
