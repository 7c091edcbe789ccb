# SPDX-License-Identifier: EUPL-1.2
"""Loading the fictional demo: organisations, users and the corpus described by the manifests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.conf import settings

from staat.core.models import Organisation, Role, User
from staat.core.register import REFERENCE_FILE, load_register

DEMO_DIR = Path(settings.PROJECT_DIR) / "demo"
DEMO_PASSWORD = "staat-demo-2025"
DEMO_USERS = (
    # username, role, organisation code
    ("onderzoeker", Role.RESEARCHER, None),
    ("beheerder", Role.ADMINISTRATOR, None),
    ("lvu-medewerker", Role.CONTRIBUTOR, "fic-lvu"),
    ("lindeveen-medewerker", Role.CONTRIBUTOR, "fic-lindeveen"),
)
EXTENSIONS = {"pdf": "pdf", "docx": "docx", "odt": "odt", "html": "html", "md": "md", "txt": "txt"}


@dataclass(frozen=True)
class DemoDocument:
    id: str
    path: Path
    kind: str
    organisations: tuple[str, ...]
    year: int
    title: str
    authors: str
    institution: str
    publication_date: dt.date | None
    published: bool


def read_manifests(demo_dir: Path = DEMO_DIR) -> list[DemoDocument]:
    docs: list[DemoDocument] = []
    for manifest in sorted((demo_dir / "manifest").glob("*.yaml")):
        for entry in yaml.safe_load(manifest.read_text(encoding="utf-8"))["documents"]:
            ext = EXTENSIONS[entry["format"]]
            date = entry.get("publication_date")
            docs.append(
                DemoDocument(
                    id=entry["id"],
                    path=demo_dir / "corpus" / str(entry["year"]) / f"{entry['id']}.{ext}",
                    kind=entry["kind"],
                    organisations=tuple(entry.get("organisations") or ()),
                    year=int(entry["year"]),
                    title=entry["title"],
                    authors=entry.get("authors") or "",
                    institution=entry.get("institution") or "",
                    publication_date=date if isinstance(date, dt.date) else None,
                    published=bool(entry.get("published", True)),
                )
            )
    return sorted(docs, key=lambda d: (d.year, d.id))


def load_organisations(demo_dir: Path = DEMO_DIR) -> None:
    load_register(REFERENCE_FILE)
    load_register(demo_dir / "organisations.yaml", fictional=True)


def ensure_users() -> list[tuple[str, str]]:
    """Create the demo accounts if missing; returns (username, role) pairs."""
    made = []
    for username, role, org_code in DEMO_USERS:
        user, created = User.objects.get_or_create(username=username, defaults={"role": role})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.organisation = Organisation.objects.filter(code=org_code).first() if org_code else None
            user.is_staff = role == Role.ADMINISTRATOR
            user.is_superuser = role == Role.ADMINISTRATOR
            user.save()
        made.append((username, user.get_role_display()))
    return made
