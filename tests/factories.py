# SPDX-License-Identifier: EUPL-1.2
"""factory_boy factories for users, organisations, sources and passages (no fixtures)."""

from __future__ import annotations

import hashlib

import factory
from factory.django import DjangoModelFactory

from staat.core.models import Organisation, OrganisationType, Role, User
from staat.nlp import lemmas
from staat.sources.models import FileFormat, Passage, Source, SourceKind, SourceStatus

PASSWORD = "correct-horse-battery"


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"org-{n}")
    name = factory.Sequence(lambda n: f"Fictieve Uitvoeringsdienst {n}")
    short_name = factory.Sequence(lambda n: f"FUD{n}")
    type = OrganisationType.ZBO
    ministry = "Ministerie van Voorbeeldzaken"
    sector = "sociale zekerheid"
    is_fictional = True


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    role = Role.VISITOR
    organisation = None
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805 - factory_boy hook
        if create:
            obj.save()

    class Params:
        contributor = factory.Trait(
            role=Role.CONTRIBUTOR, organisation=factory.SubFactory(OrganisationFactory)
        )
        researcher = factory.Trait(role=Role.RESEARCHER)
        administrator = factory.Trait(role=Role.ADMINISTRATOR, is_staff=True)


class SourceFactory(DjangoModelFactory):
    class Meta:
        model = Source
        skip_postgeneration_save = True

    sha256 = factory.Sequence(lambda n: hashlib.sha256(f"source-{n}".encode()).hexdigest())
    original_filename = factory.Sequence(lambda n: f"stand-{n}.pdf")
    file_format = FileFormat.PDF
    size_bytes = 12345
    kind = SourceKind.STAND
    title = factory.Sequence(lambda n: f"Stand van de uitvoering {n}")
    year = 2024
    language = "nl"
    status = SourceStatus.PUBLISHED
    page_count = 3

    @factory.post_generation
    def organisations(obj, create, extracted, **kwargs):  # noqa: N805 - factory_boy hook
        if create and extracted:
            obj.organisations.set(extracted)


class PassageFactory(DjangoModelFactory):
    class Meta:
        model = Passage

    source = factory.SubFactory(SourceFactory)
    index = factory.Sequence(lambda n: n)
    heading_path = factory.LazyFunction(lambda: ["Knelpunten"])
    kind = "paragraph"
    page_start = 1
    page_end = factory.SelfAttribute("page_start")
    char_start = 0
    char_end = factory.LazyAttribute(lambda p: len(p.text))
    text = "Burgers wachten maanden op de beslissing over hun aanvraag."
    search_terms = factory.LazyAttribute(
        lambda p: lemmas.search_text(" ".join([*p.heading_path, p.text]))
    )
