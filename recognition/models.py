"""Every domain's tables, imported in one place for SQLAlchemy and Alembic."""

from .auth.accounts.models import AccountEvent  # noqa: F401
from .auth.invitations.models import Invitation  # noqa: F401
from .auth.models import Account, ApiToken, LoginFailure, RoleGrant  # noqa: F401
from .awards.calendar.models import CalendarFeedKey  # noqa: F401
from .awards.models import (  # noqa: F401
    Award,
    CommitteeMember,
    Cycle,
    CycleDateChange,
    CycleTransition,
    Decision,
    DecisionWinner,
    Grant,
    GrantRevocation,
    Letter,
    Nomination,
    NominationStatement,
    Recusal,
    ScoreRevision,
    ScoreSet,
)
from .cases.models import Case, CaseMember, CaseOverride  # noqa: F401
from .credits.models import CreditProfile, Statement, StatementRevocation  # noqa: F401
from .dossiers.models import Dossier, DossierAccess  # noqa: F401
from .feedback.models import Answer, Comment, Instrument, Receipt, Release, Request, Response  # noqa: F401
from .idempotency import IdempotencyKey  # noqa: F401
from .ledger.models import LedgerEntry  # noqa: F401
from .mentorships.models import Mentorship  # noqa: F401
from .metrics.models import ProgramReport  # noqa: F401
from .milestones.models import Milestone  # noqa: F401
from .outbox import OutboxMessage  # noqa: F401
from .people.models import Division, DivisionDirector, Person, Profile  # noqa: F401
from .ratelimit import RateHit  # noqa: F401
from .reflections.models import Reflection  # noqa: F401
from .scheduler.models import DutyRun, ScheduledNotice  # noqa: F401
