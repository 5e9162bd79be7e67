"""The domain's models, one module per concept group, re-exported here."""

from campaigns.errors import InvalidTransition
from campaigns.models.audit import AuditEntry
from campaigns.models.campaigns import Campaign, CampaignTarget
from campaigns.models.coverage import CoverageSummary
from campaigns.models.events import (
    AudienceCount,
    AudienceGroup,
    Channel,
    Event,
    EventFormat,
    EventLanguage,
    EventPhoto,
    EventTopic,
    Topic,
    VenueType,
)
from campaigns.models.jobs import JOB_ERRORS, JOB_WAITING_FOR_SERVICE, Job
from campaigns.models.materials import (
    BlockComment,
    EditionBlock,
    Material,
    MaterialEdition,
    MaterialUse,
    PrintRun,
)
from campaigns.models.measures import (
    Measure,
    MeasureFigure,
    MeasurePart,
    MeasureReturn,
    MediationRoom,
    Mediator,
)
from campaigns.models.notifications import Notification
from campaigns.models.org import Membership, OrgUnit
from campaigns.models.partners import (
    Partner,
    PartnerAgreement,
    PartnerService,
    ScreeningType,
    ServiceType,
)
from campaigns.models.regions import Region
from campaigns.models.signins import CONSENT_TEXTS, CONSENT_VERSION, SignIn

__all__ = [
    "CONSENT_TEXTS",
    "CONSENT_VERSION",
    "JOB_ERRORS",
    "JOB_WAITING_FOR_SERVICE",
    "AudienceCount",
    "AudienceGroup",
    "AuditEntry",
    "BlockComment",
    "Campaign",
    "CampaignTarget",
    "Channel",
    "CoverageSummary",
    "EditionBlock",
    "Event",
    "EventFormat",
    "EventLanguage",
    "EventPhoto",
    "EventTopic",
    "InvalidTransition",
    "Job",
    "Material",
    "MaterialEdition",
    "MaterialUse",
    "Measure",
    "MeasureFigure",
    "MeasurePart",
    "MeasureReturn",
    "MediationRoom",
    "Mediator",
    "Membership",
    "Notification",
    "OrgUnit",
    "Partner",
    "PartnerAgreement",
    "PartnerService",
    "PrintRun",
    "Region",
    "ScreeningType",
    "ServiceType",
    "SignIn",
    "Topic",
    "VenueType",
]
