"""Configuration: defaults here, then ``instance/config.py``, then ``RECOGNITION_*`` env vars.

Environment variables are parsed as Python literals where they look like one
(``RECOGNITION_MEETINGS_PER_YEAR_MIN=3`` gives an int), so every key can be overridden
without code.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

from flask.cli import NoAppException

ENV_PREFIX = "RECOGNITION_"


class ConfigurationError(RuntimeError, NoAppException):
    """The app cannot start with this configuration; the message says what to do. Also
    Flask's "no app" error, so ``flask --app recognition`` prints it as a sentence too."""

    def __init__(self, message: str):
        NoAppException.__init__(self, message)
        RuntimeError.__init__(self, message)


class Defaults:
    DEPARTMENT_NAME = "Department of Medicine"
    SECRET_KEY: str | None = None
    # The database; None means SQLite in the instance folder.
    DATABASE_URL: str | None = None
    # How long a request waits for the database before answering 503 with Retry-After:
    # well under gunicorn's 30-second worker timeout. SQLite: for the write lock;
    # PostgreSQL: for any lock, and for any one statement. Work outside requests (the
    # scheduler, the year-end batch, commands) waits SQLITE_JOB_BUSY_TIMEOUT_MS on SQLite.
    SQLITE_BUSY_TIMEOUT_MS = 5_000
    POSTGRES_LOCK_TIMEOUT_MS = 5_000
    POSTGRES_STATEMENT_TIMEOUT_MS = 15_000
    SQLITE_JOB_BUSY_TIMEOUT_MS = 60_000
    # How long a retry with the same Idempotency-Key gets the first reply back.
    IDEMPOTENCY_KEY_HOURS = 24
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Set to True behind https; None means "decide from the request scheme".
    SESSION_COOKIE_SECURE: bool | None = None
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None  # tokens live as long as the session
    MAX_CONTENT_LENGTH = 5 * 1024 * 1024
    # How many reverse proxies (nginx, a load balancer) sit in front of the app. Their
    # X-Forwarded-For/-Proto headers are trusted only when this is set, so https is
    # detected (Secure cookies) and throttling sees the real client address.
    TRUSTED_PROXIES = 0

    # Password hashing (argon2id). The defaults are argon2-cffi's RFC 9106 low-memory
    # profile, above the OWASP minimum (m=19 MiB, t=2, p=1).
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST_KIB = 65_536
    ARGON2_PARALLELISM = 4

    # Failed-login throttling, stored in the database so it holds across workers (see
    # recognition/auth/throttle.py). After LOGIN_MAX_FAILURES failures for one email from one
    # address (or with one device cookie), and after LOGIN_ADDRESS_MAX_FAILURES from one
    # address whatever the email, the next attempt waits LOGIN_DELAY_FIRST_SECONDS, doubling
    # with each further failure up to LOGIN_DELAY_LONGEST_SECONDS. A failure counts for
    # LOGIN_FAILURE_MEMORY_SECONDS (or until a success for that email from that address).
    LOGIN_MAX_FAILURES = 5
    LOGIN_ADDRESS_MAX_FAILURES = 20
    LOGIN_DELAY_FIRST_SECONDS = 60
    LOGIN_DELAY_LONGEST_SECONDS = 15 * 60
    LOGIN_FAILURE_MEMORY_SECONDS = 24 * 3600
    # A browser that signed in to an account keeps a signed cookie saying so, this long: with
    # it, its owner gets past the limits a guesser ran up on their email or address.
    LOGIN_DEVICE_COOKIE_DAYS = 365
    # Invitation and password-reset links (see recognition/auth/invitations): how long each
    # works. Either works once, and a newer password makes every older link outdated.
    INVITATION_DAYS = 14
    RESET_HOURS = 2
    # How long the one-click link in a request to confirm a meeting works (the reminder sends a fresh one).
    CONFIRM_LINK_DAYS = 30
    # "Forgot password": at most this many reset emails an hour to one address (more are
    # dropped quietly), and this many requests an hour from one client address.
    PASSWORD_RESET_MAX_PER_EMAIL = 3
    PASSWORD_RESET_MAX_PER_ADDRESS = 20
    # Changing one's password: attempts per person per 15 minutes (a wrong current
    # password counts), so a browser left signed in cannot be used to guess it.
    PASSWORD_CHANGE_MAX_ATTEMPTS = 5

    # Password sign-in, on pages and at POST /api/v1/auth/tokens. False leaves only the
    # institution's sign-in (OIDC_*), for a department whose university decides who is who.
    PASSWORD_SIGN_IN = True

    # Institutional sign-in with OpenID Connect; the login page offers it when OIDC_ISSUER,
    # OIDC_CLIENT_ID and OIDC_CLIENT_SECRET are set. Discovery is read from
    # <OIDC_ISSUER>/.well-known/openid-configuration. The redirect URI to register with
    # the provider is <BASE_URL>/login/oidc/callback.
    OIDC_ISSUER: str | None = None
    OIDC_CLIENT_ID: str | None = None
    OIDC_CLIENT_SECRET: str | None = None
    # How a signed-in university identity is matched to one person on the roster:
    # "email" (case-insensitive; the provider must say the email is verified) or
    # "institutional_id" (the people column, compared with the OIDC_ID_CLAIM claim).
    # Nobody is ever created: the roster is the authority on who belongs here.
    OIDC_MATCH_CLAIM = "email"
    # Which ID-token claim holds the institutional id, e.g. "sub" or "employee_id".
    OIDC_ID_CLAIM = "sub"
    OIDC_SCOPES = "openid email profile"
    OIDC_BUTTON_LABEL = "Sign in with your university account"
    # Whom someone the roster does not know should ask, shown on the page that turns them away.
    OIDC_HELP_CONTACT = "your division's administrator"
    # How long a sign-in begun here may take at the provider before its return is refused.
    OIDC_STATE_MINUTES = 10
    # The longest wait for the provider (discovery, keys, the code exchange), in seconds.
    OIDC_TIMEOUT_SECONDS = 10
    # Leeway for the ID token's times against this server's clock, in seconds.
    OIDC_CLOCK_SKEW_SECONDS = 60
    # API tokens expire this many days after they are issued (or rotated); a request for a
    # token may ask for fewer days, never more.
    API_TOKEN_DAYS = 90

    # Department expectations (configuration, not code).
    MEETINGS_PER_YEAR_MIN = 3
    MEETINGS_PER_YEAR_MAX = 4
    FORMAL_MENTORING_YEARS = 5
    CHECK_IN_MONTHS = 18
    CFAR_YEARS = 3
    # An extended CFAR is reviewed again this many years after the extension (1–2 in practice).
    CFAR_EXTENSION_YEARS = 2

    ROSTER_IMPORT_MAX_ROWS = 5000

    # Mentee feedback. Periods are calendar years ("calendar") or July–June ("academic").
    FEEDBACK_PERIOD = "calendar"
    FEEDBACK_INSTRUMENT = "mentor-effectiveness"
    # Responses are shown only in blocks of at least this many (never fewer than 3).
    FEEDBACK_MIN_RESPONSES = 3
    # Program metrics: a cell from fewer people than this is withheld (never below
    # FEEDBACK_MIN_RESPONSES). Metrics are data: <instance>/metrics/*.json adds or switches off.
    METRICS_MIN_CELL = 5
    # Mentorship kinds whose mentees are asked for feedback.
    FEEDBACK_MENTORSHIP_KINDS = ("formal", "peer_group", "sponsorship")
    # How long after its period ends a request can still be answered.
    FEEDBACK_ANSWER_DAYS_AFTER_PERIOD = 60
    # Days between reminders for an unanswered request.
    FEEDBACK_REMINDER_INTERVAL_DAYS = 14

    # Email. With no MAIL_SERVER, messages are written to <instance>/outbox/ as .eml files.
    MAIL_SERVER: str | None = None
    MAIL_PORT = 587
    MAIL_USE_TLS = True
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_FROM = "mentoring@localhost"
    # A message the outbox claimed for sending but did not mark sent within this many
    # minutes (its delivery died) is delivered again by the next run.
    OUTBOX_CLAIM_MINUTES = 15
    # The address people use to reach the app, for links in emails, certificates, QR codes,
    # signed statements and calendar feeds. None: the address `recognition serve`/`demo` was
    # started on, or inside a request the address it came to (see recognition/links.py).
    BASE_URL: str | None = None

    # Credits. The framework a person reports to until they choose one (see
    # recognition/credits/frameworks/*.json; add or override in <instance>/credits/).
    CREDIT_FRAMEWORK = "royal_college_moc"
    # The Ed25519 key that signs statements, credentials and checkpoints; None means
    # <instance>/signing-key.pem, made by `recognition init`, replaced by `recognition keys
    # rotate` (every earlier public key stays in <instance>/signing-keys.json).
    SIGNING_KEY_PATH: str | None = None
    # /readyz fails when the instance folder's (or the SQLite database's) disk has less free.
    READY_MIN_FREE_MB = 64
    # The certificate's logo (PNG or JPEG); None draws the department's initials.
    CERTIFICATE_LOGO: str | None = None
    # An optional line under the signature rule, e.g. "Chair, Department of Medicine".
    CERTIFICATE_SIGNATORY: str | None = None
    # Lookups on /verify per client address: at most this many per window.
    VERIFY_RATE_LIMIT = 30
    VERIFY_RATE_WINDOW_SECONDS = 60
    # Processes the year-end statement batch renders with.
    STATEMENT_BATCH_WORKERS = 2

    # The scheduler (`recognition scheduler`: one process per deployment). Jobs fire on the
    # wall clock of this time zone, the same local time on both sides of a daylight-saving change.
    SCHEDULER_TIMEZONE = "America/Toronto"
    # Per job id, cron fields replacing its default time, e.g.
    # {"feedback_reminders": {"hour": 9, "minute": 0}} or {"meeting_reminders": {"day_of_week": "fri", "hour": 8, "minute": 0}}.
    # Keep jobs out of 01:00–03:00, the hours daylight saving moves. `recognition scheduler --list` shows them all.
    SCHEDULER_TRIGGERS: dict = {}
    # A second scheduler waits as a standby, trying the first one's lock this often.
    SCHEDULER_LOCK_RETRY_SECONDS = 30
    # Stopping the scheduler (Ctrl+C, SIGTERM) waits this long for the job in flight; then
    # a duty (the year-end statements) stops at its next statement and is handed back to
    # the next start, which finishes it.
    SCHEDULER_STOP_WAIT_SECONDS = 60
    # Reminders the scheduler sends, each once. Feedback requests go out in the last this
    # many days of a feedback period (and until its answers close).
    FEEDBACK_REQUEST_DAYS_BEFORE_END = 45
    # A formal mentorship with no meeting for this many days is overdue for one.
    MEETING_OVERDUE_DAYS = 120
    # A mentorship recorded with a start more than this many days ago is back-dated: it
    # needs a reason, kept and shown with it (and with any award recusal it causes).
    MENTORSHIP_BACKDATE_DAYS = 30
    # How long before a CFAR date (CFAR_YEARS after the appointment) the reminder goes out.
    CFAR_REMINDER_DAYS = 90
    # A check-in reminder whose date passed while no scheduler ran still goes out up to this
    # many days late; never older ones (a first start must not remind of every past date).
    REMINDER_CATCH_UP_DAYS = 30

    # Awards: days between nominations closing and the committee review starting (for the
    # admin to check nominations and conflicts); reminders before nominations close.
    AWARD_REVIEW_GAP_DAYS = 3
    AWARD_CLOSE_REMINDER_DAYS = 7
    # Supporting letters: PDF only, at most this size and pages each (five per nomination).
    AWARD_LETTER_MAX_BYTES = 2 * 1024 * 1024
    AWARD_LETTER_MAX_PAGES = 2
    API_PAGE_SIZE = 50

    # flask-smorest / OpenAPI
    API_TITLE = "recognition"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"


def load(app, test_config: dict | None = None) -> None:
    """Fill ``app.config`` from the three layers, the later overriding the earlier."""
    app.config.from_object(Defaults)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.update(test_config)
    app.config.update(from_environment(os.environ))
    if not app.config.get("DATABASE_URL"):
        path = Path(app.instance_path) / "recognition.sqlite3"
        app.config["DATABASE_URL"] = f"sqlite:///{path}"
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(app.config["DATABASE_URL"])


def from_environment(environ) -> dict:
    values = {}
    for key, raw in environ.items():
        if not key.startswith(ENV_PREFIX) or key == ENV_PREFIX + "INSTANCE_PATH":
            continue
        if key.startswith(ENV_PREFIX + "TEST_"):  # settings of the test suite, not the app
            continue
        values[key[len(ENV_PREFIX) :]] = parse_value(raw)
    return values


def parse_value(raw: str):
    try:
        return ast.literal_eval(raw)
    except (ValueError, SyntaxError):
        return raw


def normalise_database_url(url: str) -> str:
    """PostgreSQL goes through psycopg 3 whatever scheme the operator wrote."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
