"""Validator: checks each submitted work against its campaign's spec.

The same ``self_check`` runs here and in ``zhengji validate`` on a teacher's
own machine, so a school sees exactly the findings the service will give."""

from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession

from contracts import TOPICS, SubmissionSubmitted, SubmissionValidated
from services.common.consumer import Effect
from services.common.service import Service
from services.validator.selfcheck import self_check


class ValidatorService(Service):
    name = "validator"

    def register(self) -> None:
        super().register()
        self.consume(TOPICS["submitted"], SubmissionSubmitted, self.on_submitted)

    async def on_submitted(self, event: SubmissionSubmitted) -> Effect:
        campaign = await self.campaign(event.campaign_id)
        path = self.deps.blobs.path_of(event.media)
        result = await self_check(path, campaign, naming=None, timeout_s=self.settings.probe_timeout_s)
        if result.tool_error:
            # Our fault, not the entrant's: retry, then the dead-letter topic; never a false "failed".
            raise RuntimeError(f"validation could not run: {result.tool_error}")
        validated = SubmissionValidated(
            submission_id=event.submission_id,
            campaign_id=event.campaign_id,
            correlation_id=event.correlation_id,
            causation_id=event.event_id,
            producer=self.name,
            entry=event.entry,
            attribution=event.attribution,
            media=event.media,
            passed=result.passed,
            findings=result.findings,
            duration_s=result.duration_s,
        )
        report: dict[str, Any] = {
            "_id": f"{event.submission_id}:v{event.entry.version}",
            "submission_id": event.submission_id,
            "version": event.entry.version,
            "passed": result.passed,
            "findings": [f.model_dump(mode="json") for f in result.findings],
            "media_sha256": event.media.sha256,
            "checked_at": datetime.now(UTC),
        }

        async def writes(session: AsyncClientSession) -> None:
            await self.db["reports"].replace_one({"_id": report["_id"]}, report, upsert=True, session=session)

        self.log.info("validated", passed=result.passed, findings=len(result.findings))
        return Effect(writes=writes, emit=[validated])
