"""Workflow rows: deployed definitions, running instances, human tasks, timers and history.

The engine's own state lives in `ProcessInstance.state` (the task tree only, never the spec);
everything people query — inboxes, due dates, timelines — is a plain indexed row here, so no
page ever has to restore an engine object to answer a question.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from xiaobao.core.models import OrgScopedModel, Role
from xiaobao.core.scope import ScopedQuerySet


class ProcessDefinition(models.Model):
    """流程定义: one deployed version of a BPMN file. The version is the SHA-256 of its content."""

    key = models.CharField(_("流程标识"), max_length=100, db_index=True)
    name = models.CharField(_("流程名称"), max_length=200, blank=True)
    version = models.CharField(_("版本"), max_length=64)
    xml = models.TextField(_("BPMN"))
    # What the runtime extracted at deploy: assignments, forms, timers, service handlers per element.
    meta = models.JSONField(_("运行时元数据"), default=dict)
    source = models.CharField(_("来源"), max_length=300, blank=True)
    is_current = models.BooleanField(_("当前版本"), default=True)
    deployed_at = models.DateTimeField(_("部署时间"))
    deployed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("流程定义")
        verbose_name_plural = _("流程定义")
        ordering = ["key", "-deployed_at"]
        constraints = [models.UniqueConstraint(fields=["key", "version"], name="workflow_definition_key_version")]
        indexes = [models.Index(fields=["key", "is_current"], name="workflow_def_current_idx")]

    def __str__(self) -> str:
        return f"{self.name or self.key} ({self.version[:8]})"


class ProcessInstance(OrgScopedModel):
    """流程实例: one run of a definition for one business object."""

    class Status(models.TextChoices):
        RUNNING = "running", _("进行中")
        COMPLETED = "completed", _("已完成")
        CANCELLED = "cancelled", _("已取消")

    # Part of the in-process cache key, so a reused primary key (rolled-back tests) never hits.
    uid = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    definition = models.ForeignKey(ProcessDefinition, on_delete=models.PROTECT, related_name="instances")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    business_object = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField(_("业务对象"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.RUNNING)
    state = models.TextField(_("引擎状态"), blank=True)  # JSON of the task tree; the spec is never stored
    version = models.PositiveIntegerField(_("版本号"), default=0)  # bumped on every engine step
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(_("发起时间"))
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("流程实例")
        verbose_name_plural = _("流程实例")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="workflow_instance_object_idx")]

    def __str__(self) -> str:
        return f"{self.definition.name or self.definition.key} · {self.object_repr}"


class HumanTask(OrgScopedModel):
    """待办: a ready user task. `org_unit` + `candidate_role` say who may claim it; `assignee` who holds it."""

    class Status(models.TextChoices):
        OPEN = "open", _("待处理")
        COMPLETED = "completed", _("已完成")
        CANCELLED = "cancelled", _("已取消")

    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="tasks")
    engine_task_id = models.CharField(max_length=36)
    element_id = models.CharField(_("节点"), max_length=100)
    name = models.CharField(_("任务名称"), max_length=200)
    candidate_role = models.ForeignKey(
        Role, verbose_name=_("候选角色"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="workflow_tasks",
    )
    delegated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.OPEN)
    version = models.PositiveIntegerField(_("版本号"), default=1)  # optimistic concurrency for people
    form = models.JSONField(_("表单"), default=list, blank=True)
    data = models.JSONField(_("提交数据"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("创建时间"))
    due_at = models.DateTimeField(_("到期时间"), null=True, blank=True)
    due_provisional = models.BooleanField(_("到期日待确认"), default=False)
    remind_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("已提醒"), null=True, blank=True)
    overdue_at = models.DateTimeField(_("逾期标记时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("待办任务")
        verbose_name_plural = _("待办任务")
        ordering = ["due_at", "created_at"]
        indexes = [
            models.Index(fields=["assignee", "status"], name="workflow_task_assignee_idx"),
            models.Index(fields=["status", "candidate_role", "org_unit"], name="workflow_task_candidate_idx"),
            models.Index(fields=["status", "due_at"], name="workflow_task_due_idx"),
            models.Index(fields=["status", "remind_at"], name="workflow_task_remind_idx"),
            models.Index(fields=["completed_by", "status"], name="workflow_task_done_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class Timer(models.Model):
    """定时器: a waiting BPMN timer event with the moment it fires, so the sweep is one indexed query."""

    class Status(models.TextChoices):
        PENDING = "pending", _("等待")
        FIRED = "fired", _("已触发")
        CANCELLED = "cancelled", _("已取消")
        # the deadline it fires at is not known yet (e.g. a complaint's clock stopped for mediation):
        # the sweep skips it until set_due gives it a moment again
        HELD = "held", _("暂停")

    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="timers")
    engine_task_id = models.CharField(max_length=36)
    element_id = models.CharField(max_length=100)
    fire_at = models.DateTimeField()
    provisional = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    fired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("定时器")
        verbose_name_plural = _("定时器")
        constraints = [
            models.UniqueConstraint(fields=["instance", "engine_task_id"], name="workflow_timer_engine_task")
        ]
        indexes = [models.Index(fields=["status", "fire_at"], name="workflow_timer_due_idx")]

    def __str__(self) -> str:
        return f"{self.element_id} @ {self.fire_at:%Y-%m-%d %H:%M}"


class Transition(models.Model):
    """流转记录: one step of history — who did what to which task, with the data changed and a comment."""

    class Action(models.TextChoices):
        START = "start", _("发起")
        COMPLETE = "complete", _("办理")
        CLAIM = "claim", _("认领")
        RELEASE = "release", _("退回待认领")
        REASSIGN = "reassign", _("改派")
        DELEGATE = "delegate", _("委托")
        TIMER = "timer", _("定时触发")
        REMIND = "remind", _("到期提醒")
        OVERDUE = "overdue", _("逾期")
        CANCEL = "cancel", _("取消")
        END = "end", _("结束")

    instance = models.ForeignKey(ProcessInstance, on_delete=models.CASCADE, related_name="transitions")
    task = models.ForeignKey(HumanTask, null=True, blank=True, on_delete=models.CASCADE, related_name="transitions")
    at = models.DateTimeField(_("时间"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    action = models.CharField(_("动作"), max_length=20, choices=Action.choices)
    element_id = models.CharField(_("节点"), max_length=100, blank=True)
    element_name = models.CharField(_("节点名称"), max_length=200, blank=True)
    changes = models.JSONField(_("数据变更"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    comment = models.TextField(_("意见"), blank=True)

    class Meta:
        verbose_name = _("流转记录")
        verbose_name_plural = _("流转记录")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["instance", "at"], name="workflow_transition_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.get_action_display()} {self.element_name}"
