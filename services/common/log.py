"""structlog set up for JSON lines (production) or a console (the demo).

The consumer (consumer.py) binds ``submission_id``, ``correlation_id`` (one submission version's
whole journey through the stages) and ``event_id`` with ``structlog.contextvars``, so every line
written while an event is processed carries them; search the logs of every service for one
``correlation_id`` to follow a submission. A job enqueued while an event is handled keeps those
ids (``carried_context``), and its run binds them again with its ``job_id`` (job_runner.py), so
the encode's lines carry them too. HTTP answers get one access line each (http_metrics.py)."""

import logging
import sys

import structlog


def configure_logging(json: bool = True, level: str = "INFO") -> None:
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if json
        else structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())  # no escape codes in log files
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )
    # Libraries log through stdlib logging; keep their chatter at warnings.
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)


# What a job enqueued while an event is handled carries into its run, possibly in another process.
CARRIED = ("submission_id", "correlation_id")


def carried_context() -> dict[str, str]:
    """The ids bound now that later work done on their behalf should log with."""
    bound = structlog.contextvars.get_contextvars()
    return {key: str(bound[key]) for key in CARRIED if bound.get(key) is not None}


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    return structlog.get_logger(name)  # type: ignore[no-any-return]
