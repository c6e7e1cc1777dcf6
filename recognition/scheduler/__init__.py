"""The scheduler: the one process (``recognition scheduler``) that runs every dated job.

``jobs.py`` holds the jobs, each a plain function of the date it runs for, and the
registry that names them; ``schedule.py`` says when each runs; ``runner.py`` runs them
on APScheduler with the job store in the app's own database; ``lock.py`` makes sure only
one scheduler acts at a time. Web workers never start a scheduler: nothing in
``create_app`` imports this package's runner.
"""

# The job store's table. APScheduler creates and owns it, so the migrations leave it out
# (recognition/migrations/env.py).
JOB_TABLE = "scheduler_jobs"
