# SPDX-License-Identifier: EUPL-1.2
"""Common threads (*rode draden*) tracked over the years, and calls (*oproepen*) with follow-up.

What the machine computes and what people decide are kept apart:

- :class:`Thread`, :class:`ThreadYear` and :class:`ThreadMembership` are the *result* of the
  latest run (``services.compute_threads``) and are rewritten by every run;
- :class:`ThreadDecision` rows are what researchers decided (merge, split, rename, pin, unpin,
  remove a finding, add a finding). They are never rewritten: every run replays them, in order,
  into the ``ThreadState`` the pure core receives and onto its result, so they survive re-runs.

A thread's ``key`` is its identity across years and runs; it never changes. A finding is in at
most one (not removed) thread.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from staat.findings.models import Finding, Kind
from staat.sources.models import Passage, Source


class Trend(models.TextChoices):
    """The statuses of ``staat.analysis.trends`` (rules in ``docs/threads.md``)."""

    NEW = "new", _("New")
    PERSISTING = "persisting", _("Persisting")
    GROWING = "growing", _("Growing")
    SHRINKING = "shrinking", _("Shrinking")
    RETURNED = "returned", _("Mentioned again")
    NO_LONGER_MENTIONED = "no_longer_mentioned", _("No longer mentioned")


class ThreadQuerySet(models.QuerySet):
    def current(self) -> ThreadQuerySet:
        """Threads of the latest run: not merged into another, not dropped."""
        return self.filter(removed=False, merged_into__isnull=True)


class Thread(models.Model):
    key = models.CharField(_("key"), max_length=64, unique=True,
                           help_text=_("Stable identifier of the thread across years and runs."))
    label = models.CharField(_("label"), max_length=300)
    machine_label = models.CharField(_("label proposed by the machine"), max_length=300,
                                     blank=True)
    label_locked = models.BooleanField(
        _("label set by a person"), default=False,
        help_text=_("A renamed thread keeps its label on every later run."),
    )
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, db_index=True)
    pinned = models.BooleanField(_("pinned"), default=False,
                                 help_text=_("Pinned threads are shown first."))
    removed = models.BooleanField(
        _("no longer found"), default=False,
        help_text=_("The latest run found no findings for this thread; its history is kept."),
    )
    merged_into = models.ForeignKey("self", verbose_name=_("merged into"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="merged_from")
    person_created = models.BooleanField(default=False,
                                         help_text="made by a person (a split), not the machine")
    key_phrases = models.JSONField(default=list, blank=True)
    centroid_terms = models.JSONField(default=dict, blank=True,
                                      help_text="profile the core remembers the thread by")
    related_keys = models.JSONField(default=list, blank=True,
                                    help_text="threads of another kind about the same matter")
    first_year = models.PositiveSmallIntegerField(null=True, blank=True)
    last_year = models.PositiveSmallIntegerField(null=True, blank=True)
    finding_count = models.PositiveIntegerField(default=0)
    run = models.ForeignKey("ThreadRun", null=True, blank=True, on_delete=models.SET_NULL,
                            related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ThreadQuerySet.as_manager()

    class Meta:
        ordering = ["-pinned", "-finding_count", "label", "key"]
        verbose_name = _("thread")
        verbose_name_plural = _("threads")

    def __str__(self) -> str:
        return self.label

    def get_absolute_url(self) -> str:
        return reverse("threads:detail", args=[self.key])


class ThreadYear(models.Model):
    """A thread in one year: its trend status (with the reasons) and its figures."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="years")
    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    trend = models.CharField(_("trend"), max_length=24, choices=Trend.choices)
    trend_reasons = models.JSONField(default=list, blank=True)
    figures = models.JSONField(
        default=dict, blank=True,
        help_text="counts and lists: findings, sources, organisations, organisation_types, "
                  "themes, laws",
    )
    representative_ids = models.JSONField(default=list, blank=True)
    finding_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["thread", "year"]
        constraints = [models.UniqueConstraint(fields=["thread", "year"],
                                               name="thread_year_unique")]

    def __str__(self) -> str:
        return f"{self.thread.key} {self.year}"


class MembershipOrigin(models.TextChoices):
    MACHINE = "machine", _("Machine")
    PERSON = "person", _("Person")


class ThreadMembership(models.Model):
    """A finding in a thread. ``excluded`` rows record a finding a person took out."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="memberships")
    finding = models.ForeignKey(Finding, on_delete=models.CASCADE,
                                related_name="thread_memberships")
    year = models.PositiveSmallIntegerField(_("year"), db_index=True)
    origin = models.CharField(_("origin"), max_length=16, choices=MembershipOrigin.choices,
                              default=MembershipOrigin.MACHINE)
    pinned = models.BooleanField(_("pinned"), default=False)
    excluded = models.BooleanField(_("removed by a person"), default=False)
    representative = models.BooleanField(_("representative"), default=False)

    class Meta:
        ordering = ["thread", "year", "-pinned", "finding_id"]
        constraints = [models.UniqueConstraint(fields=["thread", "finding"],
                                               name="thread_membership_unique")]


class ThreadDecision(models.Model):
    """One decision of a researcher about threads; replayed on every run."""

    class Action(models.TextChoices):
        MERGE = "merge", _("merged")
        SPLIT = "split", _("split")
        RENAME = "rename", _("renamed")
        PIN = "pin", _("pinned")
        UNPIN = "unpin", _("unpinned")
        REMOVE_FINDING = "remove_finding", _("removed a finding")
        ADD_FINDING = "add_finding", _("added a finding")

    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    thread_key = models.CharField(_("thread"), max_length=64, db_index=True)
    payload = models.JSONField(default=dict, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                           on_delete=models.SET_NULL, related_name="thread_decisions")
    by_name = models.CharField(_("who"), max_length=150, blank=True)
    at = models.DateTimeField(_("when"), auto_now_add=True)
    reason = models.TextField(_("reason"), blank=True)
    active = models.BooleanField(default=True,
                                 help_text="false once undone; inactive decisions are not replayed")

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("thread decision")
        verbose_name_plural = _("thread decisions")

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.thread_key}"


class ThreadRun(models.Model):
    class RunStatus(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        UNCHANGED = "unchanged", _("Nothing changed")
        FAILED = "failed", _("Failed")

    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    step = models.CharField(max_length=100, blank=True)
    progress = models.PositiveSmallIntegerField(default=0, help_text="percent")
    input_key = models.CharField(max_length=64, blank=True, db_index=True)
    core_version = models.CharField(max_length=100, blank=True)
    force = models.BooleanField(default=False)
    full = models.BooleanField(default=False, help_text="a full recompute was asked for")
    incremental = models.BooleanField(
        default=False, help_text="only the findings added or removed since the last run were "
                                 "placed (else: everything was grouped again)")
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    findings_total = models.PositiveIntegerField(default=0)
    threads_total = models.PositiveIntegerField(default=0)
    assigned = models.PositiveIntegerField(default=0)
    unassigned = models.PositiveIntegerField(default=0)
    decisions_applied = models.PositiveIntegerField(default=0)
    threads_created = models.PositiveIntegerField(default=0)
    threads_changed = models.PositiveIntegerField(default=0)
    threads_dropped = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("threads run")
        verbose_name_plural = _("threads runs")

    def __str__(self) -> str:
        return f"threads run {self.pk} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in (self.RunStatus.QUEUED, self.RunStatus.RUNNING)


class ThreadCoreState(models.Model):
    """What the pure core kept of a finished run (``staat.analysis.threads.ClusterState``,
    serialised), so the next run can place added findings without grouping everything
    again. Only the latest is kept, with the state it is kept as changes to (``base``: the
    last full run's, kept whole); losing either only means the next run is a full one."""

    run = models.OneToOneField(ThreadRun, on_delete=models.CASCADE, related_name="core_state")
    core_version = models.CharField(max_length=100)
    decisions_key = models.CharField(max_length=64, blank=True,
                                     help_text="digest of the decisions the run applied")
    data = models.BinaryField()
    base = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        help_text="the state ``data`` is kept as changes to (empty: ``data`` is whole)")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]


# --- calls ------------------------------------------------------------------------------------


class Audience(models.TextChoices):
    POLITIEK = "politiek", _("Politics")
    BELEID = "beleid", _("Policy")
    UITVOERING = "uitvoering", _("Implementation")
    ALLEN = "allen", _("All")


class Call(models.Model):
    """A call to action (*oproep*) of one edition; its original wording never changes."""

    edition_year = models.PositiveSmallIntegerField(_("edition"), db_index=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("short title"), max_length=200)
    text = models.TextField(_("original wording"))
    audience = models.CharField(_("addressed to"), max_length=16, choices=Audience.choices,
                                default=Audience.ALLEN)
    threads = models.ManyToManyField(Thread, blank=True, related_name="calls",
                                     verbose_name=_("threads"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-edition_year", "order", "id"]
        verbose_name = _("call")
        verbose_name_plural = _("calls")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("threads:call-detail", args=[self.pk])

    def wording_for(self, year: int) -> str:
        """The call as worded for edition ``year``: the latest sharpening up to that year."""
        version = self.versions.filter(edition_year__lte=year).order_by("-edition_year").first()
        return version.text if version else self.text


class CallVersion(models.Model):
    """A sharpened wording (*aanscherping*) of a call in a later edition."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="versions")
    edition_year = models.PositiveSmallIntegerField(_("edition"))
    text = models.TextField(_("sharpened wording"))
    note = models.TextField(_("why it was sharpened"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["call", "edition_year"]
        constraints = [models.UniqueConstraint(fields=["call", "edition_year"],
                                               name="call_version_unique")]

    def __str__(self) -> str:
        return f"{self.call} ({self.edition_year})"


class FollowUpStatus(models.TextChoices):
    NONE = "none", _("No response")
    PROMISED = "promised", _("Promised")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


class FollowUp(models.Model):
    """What became of a call, as seen in a later edition."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="follow_ups")
    edition_year = models.PositiveSmallIntegerField(_("edition"))
    response = models.TextField(_("response"), blank=True)
    steps = models.TextField(_("steps taken"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=FollowUpStatus.choices,
                              default=FollowUpStatus.NONE)
    sources = models.ManyToManyField(Source, through="FollowUpCitation", blank=True,
                                     related_name="call_follow_ups")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["call", "edition_year", "id"]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")

    def __str__(self) -> str:
        return f"{self.call} · {self.edition_year} · {self.status}"


class FollowUpCitation(models.Model):
    follow_up = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="citations")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="+")
    page = models.PositiveIntegerField(_("page"), null=True, blank=True)
    passage = models.ForeignKey(Passage, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")

    class Meta:
        ordering = ["follow_up", "source", "page", "id"]


class CallCheck(models.Model):
    """A call checked against a chosen set of documents (election programmes, letters…)."""

    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="checks")
    wording = models.TextField(help_text="the wording that was checked")
    sources = models.ManyToManyField(Source, related_name="call_checks")
    method = models.CharField(max_length=100, blank=True)
    threshold = models.FloatField(default=0.0)
    passages_compared = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.call} · check {self.pk}"


class MatchStatus(models.TextChoices):
    OPEN = "open", _("To review")
    CONFIRMED = "confirmed", _("Takes the call up")
    REJECTED = "rejected", _("Does not take the call up")


class CallCheckMatch(models.Model):
    check_run = models.ForeignKey(CallCheck, on_delete=models.CASCADE, related_name="matches")
    passage = models.ForeignKey(Passage, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField(_("score"))
    evidence = models.JSONField(default=list, blank=True,
                                help_text="shared terms, strongest first")
    status = models.CharField(_("status"), max_length=16, choices=MatchStatus.choices,
                              default=MatchStatus.OPEN)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["check_run", "-score", "id"]
        constraints = [models.UniqueConstraint(fields=["check_run", "passage"],
                                               name="call_check_match_unique")]
