"""Whether a submission still in a stage is stuck there or only waiting its turn.

The reconciler publishes again the last event of a submission that has sat in a service's stage
past the stage deadline, because the embedded broker may have lost it. Counted from the moment
the submission entered the stage, that deadline also ran out for every submission queued,
healthy, behind a backlog: on the 5,000-arrival day (docs/performance.md) intake re-drove 1,676
of them, each a duplicate the validator dropped at its inbox, while it was busiest.

A stage works through its queue roughly in arrival order (Kafka per partition, a few jobs at once;
the media stages' job tables take the shortest work first, then by creation time, so a long work
in a queue of short ones is overtaken and judged as before). So a submission is taken as lost only
when the stage has stopped moving for a deadline, or when the stage has moved past it: a
submission that entered more than a deadline *after* it has already left. Otherwise it is waiting
its turn, and its re-drive is put off (not counted as one). This is what one process saw leave
(intake's replicas each see their partitions' share): a process watches a stage for one deadline
after it starts, and a stage it has not seen move for a deadline is judged as before this module,
by the deadline alone. A lost event in a moving stage waits at most until the stage has moved a
deadline past it, where a re-drive would have queued behind the same backlog anyway."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass
class StageMovement:
    """Per stage: when a submission last left it, and the latest entry time of those that left."""

    started: datetime
    last_left: dict[str, datetime] = field(default_factory=dict)
    passed_up_to: dict[str, datetime] = field(default_factory=dict)

    def left(self, stage: str, entered: datetime, now: datetime) -> None:
        """A submission that entered ``stage`` at ``entered`` has left it at ``now``."""
        self.last_left[stage] = max(now, self.last_left.get(stage, now))
        self.passed_up_to[stage] = max(entered, self.passed_up_to.get(stage, entered))

    def stuck(self, stage: str, entered: datetime, now: datetime, deadline: timedelta) -> bool:
        """Whether a submission in ``stage`` since ``entered``, past its deadline, is stuck."""
        if now - self.last_left.get(stage, self.started) > deadline:
            return True  # the stage is still: its events may be lost, as the deadline alone says
        passed = self.passed_up_to.get(stage)
        return passed is not None and passed - entered > deadline  # overtaken: its event went missing
