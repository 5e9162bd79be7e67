"""factory_boy factories for the domain; each builds a valid object with the fewest choices."""

import datetime as dt

import factory
from django.utils import timezone

from campaigns import models
from portal.models import User

# Every factory-made user's password, for tests that sign in through the form.
USER_PASSWORD = "correct-horse-battery"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password(USER_PASSWORD)


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Region
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"{990000 + n:06d}")
    name_zh = factory.Sequence(lambda n: f"测试县{n}")
    level = models.Region.Level.COUNTY


class OrgUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.OrgUnit

    code = factory.Sequence(lambda n: f"U{n}")
    name = factory.Sequence(lambda n: f"机构{n}")
    kind = models.OrgUnit.Kind.HQ
    parent = None


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Membership

    user = factory.SubFactory(UserFactory)
    org_unit = factory.SubFactory(OrgUnitFactory)
    role = models.Membership.Role.ORGANIZER


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Campaign

    name = factory.Sequence(lambda n: f"宣传周 {n}")
    starts_on = dt.date(2025, 3, 1)
    ends_on = dt.date(2025, 3, 31)


class CampaignTargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.CampaignTarget

    campaign = factory.SubFactory(CampaignFactory)
    org_unit = factory.SubFactory(OrgUnitFactory)
    events = 10


class EventFactory(factory.django.DjangoModelFactory):
    """A planned in-person event, nothing counted. An in-person event with audience columns
    (``audience_women=35``) needs ``head_count`` of at least each: the database refuses it
    otherwise. AudienceCountFactory rows alone are not checked against it."""

    class Meta:
        model = models.Event

    campaign = factory.SubFactory(CampaignFactory)
    org_unit = factory.SubFactory(OrgUnitFactory)
    county = factory.SubFactory(RegionFactory)
    title = factory.Sequence(lambda n: f"活动{n}")
    venue_type = models.VenueType.COMMUNITY
    format = models.EventFormat.LECTURE
    starts_at = factory.LazyFunction(
        lambda: dt.datetime(2025, 3, 10, 10, tzinfo=timezone.get_default_timezone())
    )


class EventPhotoFactory(factory.django.DjangoModelFactory):
    """A photo with small real JPEG files, as the upload service would have stored them."""

    class Meta:
        model = models.EventPhoto

    event = factory.SubFactory(EventFactory)
    image = factory.django.ImageField(
        filename="photo.jpg", format="JPEG", width=64, height=48, color="teal"
    )
    thumbnail = factory.django.ImageField(
        filename="photo.jpg", format="JPEG", width=64, height=48, color="teal"
    )


class EventTopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.EventTopic

    event = factory.SubFactory(EventFactory)
    topic = models.Topic.ANTI_FRAUD


class AudienceCountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.AudienceCount

    event = factory.SubFactory(EventFactory)
    group = models.AudienceGroup.WOMEN
    count = 10


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Partner

    org_unit = factory.SubFactory(OrgUnitFactory)
    name = factory.Sequence(lambda n: f"合作单位{n}")
    kind = models.Partner.Kind.HOSPITAL


class PartnerAgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.PartnerAgreement

    partner = factory.SubFactory(PartnerFactory)
    starts_on = dt.date(2025, 1, 1)
    ends_on = dt.date(2025, 12, 31)


class PartnerServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.PartnerService

    event = factory.SubFactory(EventFactory)
    partner = factory.SubFactory(PartnerFactory, org_unit=factory.SelfAttribute("..event.org_unit"))
    service_type = models.ServiceType.HEALTH_SCREENING
    screening_type = models.ScreeningType.CERVICAL_BREAST
    screened = 30
    referred = 2


class MaterialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Material

    org_unit = factory.SubFactory(OrgUnitFactory)
    title_zh = factory.Sequence(lambda n: f"宣传折页{n}")
    topic = models.Topic.EIGHT_RIGHTS
    kind = models.Material.Kind.A5_LEAFLET


class MaterialEditionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.MaterialEdition

    material = factory.SubFactory(MaterialFactory)
    number = factory.Sequence(lambda n: n + 1)


class EditionBlockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.EditionBlock

    edition = factory.SubFactory(MaterialEditionFactory)
    position = factory.Sequence(lambda n: n + 1)
    kind = models.EditionBlock.Kind.PARAGRAPH
    text_zh = "财产安全权"
    text_bo = "རྒྱུ་ནོར་བདེ་འཇགས།"


class BlockCommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.BlockComment

    block = factory.SubFactory(EditionBlockFactory)
    text = "这一句的藏文请再核对。"


class PrintRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.PrintRun

    edition = factory.SubFactory(MaterialEditionFactory)
    org_unit = factory.SubFactory(OrgUnitFactory)
    paper_size = models.PrintRun.PaperSize.A5
    copies = 500


class MaterialUseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.MaterialUse

    event = factory.SubFactory(EventFactory)
    edition = factory.SubFactory(MaterialEditionFactory)
    copies = 100


class SignInFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.SignIn

    event = factory.SubFactory(EventFactory)
    name = factory.Sequence(lambda n: f"卓玛{n}")
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    audience_group = models.AudienceGroup.WOMEN
    consent_version = models.CONSENT_VERSION
    consented_at = factory.LazyFunction(timezone.now)


class AuditEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.AuditEntry

    action = "campaigns.test.recorded"
    object_type = "campaigns.event"
    object_id = "1"
    object_repr = "活动"
    org_unit = factory.SubFactory(OrgUnitFactory)


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Job

    kind = models.Job.Kind.EVENTS_EXPORT
    owner = factory.SubFactory(UserFactory)
    org_unit = factory.SubFactory(OrgUnitFactory)


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Notification

    recipient = factory.SubFactory(UserFactory)
    kind = models.Notification.Kind.REVIEW_DIGEST
    params = factory.LazyFunction(lambda: {"count": 3})
    occasion = factory.Sequence(lambda n: f"test:{n}")


class AccessAttemptFactory(factory.django.DjangoModelFactory):
    """django-axes' record of failed sign-ins as one user name from one address."""

    class Meta:
        model = "axes.AccessAttempt"

    username = "aba-organizer"
    ip_address = "203.0.113.9"
    user_agent = "phone"
    http_accept = "*/*"
    path_info = "/accounts/login/"
    get_data = ""
    post_data = ""
    failures_since_start = 1


class MeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Measure
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"measure-{n}")
    name_zh = factory.Sequence(lambda n: f"措施{n}")
    name_bo = "ཐབས་ཇུས།"
    name_en = factory.Sequence(lambda n: f"Measure {n}")
    unit = models.Measure.Unit.CASES
    computation = models.Measure.Computation.SUM


class MeasurePartFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.MeasurePart

    measure = factory.SubFactory(MeasureFactory)
    code = factory.Sequence(lambda n: f"part-{n}")
    role = models.MeasurePart.Role.VALUE
    kind = models.MeasurePart.Kind.WHOLE
    name_zh = factory.Sequence(lambda n: f"数字{n}")
    name_en = factory.Sequence(lambda n: f"figure {n}")


class MeasureReturnFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.MeasureReturn

    org_unit = factory.SubFactory(OrgUnitFactory)
    # Twenty years of months, then again: a long run's sequence stays within the bounds of
    # a date the database accepts.
    month = factory.Sequence(lambda n: dt.date(2024 - n // 12 % 20, n % 12 + 1, 1))


class MeasureFigureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.MeasureFigure

    measure_return = factory.SubFactory(MeasureReturnFactory)
    part = factory.SubFactory(MeasurePartFactory)
    value = 3


class MediationRoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.MediationRoom

    org_unit = factory.SubFactory(OrgUnitFactory)
    name = factory.Sequence(lambda n: f"枫桥经验调解室{n}")
    address = "营业部二楼"
    opened_on = dt.date(2024, 3, 1)


class MediatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Mediator

    org_unit = factory.SubFactory(OrgUnitFactory)
    name = factory.Sequence(lambda n: f"调解员{n}")
    field = "保险法"
    organisation = "市人民调解委员会"
