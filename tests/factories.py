"""factory_boy factories for every model."""

import secrets
from typing import Any

import factory
from django.contrib.auth.models import Group, User
from django.utils import timezone

from integrations.models import (
    AllowlistEntry,
    AllowlistKind,
    ApiToken,
    AuditEvent,
    CredentialState,
    CredentialVersion,
    Integration,
    WorkerHeartbeat,
)
from integrations.roles import sync_groups


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")

    @factory.post_generation
    def groups(self: Any, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            sync_groups()  # a transactional test's flush may have emptied the tables
            for name in extracted:
                self.groups.add(Group.objects.get(name=name))
        self.save()


class IntegrationFactory(factory.django.DjangoModelFactory[Integration]):
    class Meta:
        model = Integration

    vendor = "vcclive"
    name = factory.Sequence(lambda n: f"integration-{n}")


class CredentialVersionFactory(factory.django.DjangoModelFactory[CredentialVersion]):
    class Meta:
        model = CredentialVersion
        skip_postgeneration_save = True

    integration = factory.SubFactory(IntegrationFactory)
    version = factory.Sequence(lambda n: n + 1)
    state = CredentialState.ACTIVE
    public_values = factory.LazyAttribute(lambda _: {"customer": "acme"})

    @factory.post_generation
    def secrets(self: Any, create: bool, extracted: Any, **kwargs: Any) -> None:
        self.set_secrets(extracted or {"password": secrets.token_urlsafe(16)})
        if create:
            self.save()


class AllowlistEntryFactory(factory.django.DjangoModelFactory[AllowlistEntry]):
    class Meta:
        model = AllowlistEntry

    integration = factory.SubFactory(IntegrationFactory)
    kind = AllowlistKind.VENDOR
    cidr = factory.Sequence(lambda n: f"203.0.113.{n % 250}")


class ApiTokenFactory(factory.django.DjangoModelFactory[ApiToken]):
    class Meta:
        model = ApiToken
        skip_postgeneration_save = True

    integration = factory.SubFactory(IntegrationFactory)
    name = factory.Sequence(lambda n: f"token-{n}")

    @factory.post_generation
    def token(self: Any, create: bool, extracted: Any, **kwargs: Any) -> None:
        self.set_value(extracted or secrets.token_urlsafe(24))
        if create:
            self.save()


class AuditEventFactory(factory.django.DjangoModelFactory[AuditEvent]):
    class Meta:
        model = AuditEvent

    actor_label = "system"
    action = "test.event"
    target_type = "integration"


class WorkerHeartbeatFactory(factory.django.DjangoModelFactory[WorkerHeartbeat]):
    class Meta:
        model = WorkerHeartbeat

    hostname = factory.Sequence(lambda n: f"worker{n}")
    queue = "interactive"
    seen_at = factory.LazyFunction(timezone.now)
