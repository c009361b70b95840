"""Stopping a child process (the embedded broker or store, a bench's server): asked first, killed
if it must be.

SIGTERM lets SecantusDB close its journal and checkpoint: a SIGKILL under load once lost a
transaction committed seconds before (decision 0038). SIGCONT goes with it because a stopped
process (SIGSTOP, a debugger) handles its SIGTERM only once continued."""

import signal
import subprocess


def stopped(proc: "subprocess.Popen[bytes]", within_s: float, ask: int = signal.SIGTERM) -> None:
    """Return once ``proc`` has exited: asked to stop (``ask``: SIGINT for a server stopped as by
    Ctrl-C), killed if it has not within ``within_s``."""
    if proc.poll() is None:
        proc.send_signal(ask)
        proc.send_signal(signal.SIGCONT)
    try:
        proc.wait(timeout=within_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
