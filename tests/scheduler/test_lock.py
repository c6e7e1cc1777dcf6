"""Two schedulers never both act: the lock (a file lock on SQLite, an advisory lock on
PostgreSQL), ``--no-wait``, and a real second ``recognition scheduler`` that waits as a
standby and takes over when the first stops."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import inspect, text

from recognition.extensions import db
from recognition.scheduler import JOB_TABLE, jobs, lock
from recognition.scheduler import runner as scheduler_runner

REPO = Path(__file__).resolve().parents[2]


def test_a_second_scheduler_cannot_take_the_lock_while_the_first_holds_it(app):
    first, second = lock.for_app(app, "scheduler"), lock.for_app(app, "scheduler")
    try:
        assert first.acquire()
        assert not second.acquire()
        assert first.alive()
        assert second.holder().startswith(f"recognition scheduler, process {os.getpid()} on ")
        first.release()
        assert second.acquire()
        assert not first.acquire()
    finally:
        first.release()
        second.release()


def test_locks_of_other_names_do_not_conflict(app):
    scheduler, job = lock.for_app(app, "scheduler"), lock.for_app(app, "job-feedback_requests")
    try:
        assert scheduler.acquire() and job.acquire()
    finally:
        scheduler.release()
        job.release()


def test_no_wait_exits_1_while_another_scheduler_holds_the_lock(app, runner):
    held = lock.for_app(app, "scheduler")
    assert held.acquire()
    try:
        result = runner.invoke(args=["scheduler", "--no-wait"])
        listed = runner.invoke(args=["scheduler", "--list"])
    finally:
        held.release()
    assert result.exit_code == 1, result.output
    assert result.output.startswith(
        f"Another scheduler holds the lock ({held.where}; held by recognition scheduler, process {os.getpid()} on "
    )
    assert result.output.rstrip().endswith("; not starting (--no-wait).")
    with app.app_context():
        assert not inspect(db.engine).has_table(JOB_TABLE)  # it stored nothing
    assert listed.exit_code == 0, listed.output
    assert "A scheduler is running." in listed.output


class Scheduler:
    """A ``recognition scheduler`` process whose output lines the test can wait for."""

    def __init__(self, command: list[str], env: dict[str, str]):
        self.process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                assert self.process.poll() is None or not self.lines.empty(), "\n".join(self.seen)
                continue
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"no line with {text!r} in:\n" + "\n".join(self.seen))

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=60)
        self.process.stdout.close()
        return code


def test_a_standby_scheduler_takes_over_when_the_first_stops(app, database_url):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("RECOGNITION_") or key == "RECOGNITION_INSTANCE_PATH"
    }
    env.update(
        RECOGNITION_DATABASE_URL=database_url,
        RECOGNITION_SECRET_KEY="test",
        RECOGNITION_SCHEDULER_LOCK_RETRY_SECONDS="0.2",
        PYTHONUNBUFFERED="1",
    )
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    # The console script's way in (``recognition scheduler``) and Flask's.
    first = Scheduler([sys.executable, "-c", "from recognition.cli import main; main()", "scheduler"], env)
    second = None
    try:
        first.wait_for("Scheduler running")
        assert [line for line in first.seen if line.startswith("Jobs: ")] == [
            f"Jobs: added {job_id}." for job_id in jobs.JOBS
        ]
        second = Scheduler([sys.executable, "-m", "flask", "--app", "recognition", "scheduler"], env)
        second.wait_for("waiting as a standby, trying again every 0.2 s")
        time.sleep(1)  # several retries, none of which may succeed
        assert not any("Scheduler running" in line for line in second.seen + list(second.lines.queue))

        assert first.stop() == 0
        second.wait_for("Took the scheduler lock")
        second.wait_for("Scheduler running")
        # The jobs the first stored were left as they were: nothing added or rescheduled.
        assert not any(line.startswith("Jobs: ") for line in second.seen)
    finally:
        first.stop()
        if second is not None:
            assert second.stop() == 0
    assert set(scheduler_runner.stored_jobs(app)) == set(jobs.JOBS)


def test_a_scheduler_that_loses_its_lock_stops_and_waits_to_take_it_again(app, backend, monkeypatch):
    """On PostgreSQL the lock dies with its session (here: terminated by an administrator);
    the scheduler notices, stops acting, and takes the lock again once it is free. On
    SQLite the kernel holds a file lock as long as the process lives, so there the lock
    is dropped under the scheduler by hand."""
    app.config["SCHEDULER_LOCK_RETRY_SECONDS"] = 0.1
    locks, schedulers, said, returned = [], [], queue.Queue(), []
    real_lock, real_build = lock.for_app, scheduler_runner.build

    def recorded_lock(app, name):
        made = real_lock(app, name)
        if name == "scheduler":
            locks.append(made)
        return made

    def recorded_build(app, *args):
        made = real_build(app, *args)
        schedulers.append(made[0])
        return made

    monkeypatch.setattr(lock, "for_app", recorded_lock)
    monkeypatch.setattr(scheduler_runner, "build", recorded_build)

    def wait_for(text: str) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if text in said.get(timeout=0.1):
                    return
            except queue.Empty:
                pass
        raise AssertionError(f"the scheduler never said {text!r}")

    serving = threading.Thread(target=lambda: returned.append(scheduler_runner.serve(app, say=said.put)))
    serving.start()
    try:
        wait_for("Scheduler running")
        if backend == "postgresql":
            key = locks[0].key
            with app.app_context():
                ended = (
                    db.session.execute(
                        text(
                            "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1 "
                            "AND classid::bigint = :classid AND objid::bigint = :objid"
                        ),
                        {"classid": (key >> 32) & 0xFFFFFFFF, "objid": key & 0xFFFFFFFF},
                    )
                    .scalars()
                    .all()
                )
                db.session.rollback()
            assert ended == [True]
        else:
            locks[0].release()
        wait_for("Lost the scheduler lock")
        wait_for("Scheduler running")
        assert len(schedulers) == 2 and not schedulers[0].running
    finally:
        for scheduler in schedulers:
            if scheduler.running:
                scheduler.shutdown()
        serving.join(30)
    assert returned == [0]
