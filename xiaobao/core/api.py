"""Core API: API tokens, the signed-in user, org units and users in scope.

Reads go through `core.selectors`, the same functions the pages use, so the API and the
pages cannot disagree about who sees what.
"""

from __future__ import annotations

import functools

from django.contrib.auth import authenticate
from django.db import transaction
from django.urls import path
from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from xiaobao.core import selectors, services
from xiaobao.core.masking import mask_phone
from xiaobao.core.models import OrgUnit


class AutoSchema(SpectacularAutoSchema):
    """Names nested serializers after their endpoint: MeApi.OutputSerializer -> "MeOutput".

    Every endpoint nests its own InputSerializer/OutputSerializer (STYLE.md), which would
    otherwise all become one clashing "Output" component.
    """

    def get_serializer_name(self, serializer, direction) -> str:
        name = super().get_serializer_name(serializer, direction)
        outer = serializer.__class__.__qualname__.split(".")[-2:-1]
        if outer and outer[0].isidentifier():
            return outer[0].removesuffix("Api") + name
        return name


def answered_in_transaction(handler):
    """A write endpoint's service call and its answer in one transaction.

    Without it the service commits, then the answer is read back and serialised — and if that fails (the
    database restarts in between, a bug in an output field) the caller gets an error for a write that
    happened, and retries it. Inside one transaction the answer is complete before anything commits: either
    the write and its answer both stand, or neither. A refusal (4xx) rolls back whatever the view touched.
    Services are plain `atomic`, so they nest as savepoints; their on-commit work runs at the outer commit.
    """

    @functools.wraps(handler)
    def wrapper(self, request, *args, **kwargs):
        # Read and parse the body (uploads included) first: a transaction never waits on the network, and on
        # SQLite (BEGIN IMMEDIATE) it holds the write lock from its first line.
        request.data  # noqa: B018
        with transaction.atomic():
            response = handler(self, request, *args, **kwargs)
            if response.status_code >= 400:
                transaction.set_rollback(True)
            return response

    return wrapper


class HasModelPermission(BasePermission):
    """The view's `required_permission` (e.g. "core.view_user"), as the pages require it.

    Anonymous callers fail here too; DRF then answers 401, not 403, because an
    authenticator exists that could have let them in.
    """

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.has_perm(view.required_permission))


class LockedOut(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = gettext_lazy("登录失败次数过多，请稍后再试。")
    default_code = "locked_out"


class TokenObtainThrottle(SimpleRateThrottle):
    """Password guesses per client address, whoever is (or claims to be) signed in."""

    scope = "auth_token"

    def get_cache_key(self, request, view):
        if request.method != "POST":
            return None  # revoking a token is not a guess
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class TokenApi(APIView):
    """POST: exchange username and password for an API token. DELETE: revoke the caller's token."""

    throttle_classes = [TokenObtainThrottle]

    class InputSerializer(serializers.Serializer):
        username = serializers.CharField()
        password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False, write_only=True)

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField()

    serializer_class = InputSerializer

    def get_permissions(self):
        # Obtaining a token is how an anonymous client signs in; revoking needs a signed-in caller.
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    @extend_schema(
        request=InputSerializer,
        responses={200: OutputSerializer, 400: OpenApiResponse(description="Wrong username or password")},
        auth=[],
    )
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # axes works on the Django request: it records the failure and, once the limit is
        # reached, refuses even the right password and flags the request as locked out.
        django_request = request._request
        user = authenticate(
            request=django_request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if getattr(django_request, "axes_locked_out", False):
            # AxesMiddleware would swap our JSON for the HTML lockout page; the API keeps one error shape.
            del django_request.axes_locked_out
            raise LockedOut()
        if user is None or not user.is_active:
            raise exceptions.ValidationError(
                {"non_field_errors": [exceptions.ErrorDetail(gettext("用户名或密码错误。"), code="invalid_login")]}
            )
        token, _ = Token.objects.get_or_create(user=user)
        return Response(self.OutputSerializer({"token": token.key}).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class OrgUnitOutput(serializers.ModelSerializer):
    level_display = serializers.CharField(source="get_level_display")

    class Meta:
        model = OrgUnit
        fields = ["id", "code", "name", "short_name", "level", "level_display", "parent", "path", "region"]


class OrgUnitListApi(ListAPIView):
    serializer_class = OrgUnitOutput

    def get_queryset(self):
        return selectors.org_units_visible_to(self.request.user)


class UserListApi(ListAPIView):
    """Users in the caller's data scope; the mobile number only ever leaves masked (PIPL)."""

    permission_classes = [IsAuthenticated, HasModelPermission]
    required_permission = "core.view_user"

    class FilterSerializer(serializers.Serializer):
        org_unit = serializers.IntegerField(required=False)

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        username = serializers.CharField()
        full_name = serializers.CharField()
        org_unit = serializers.IntegerField(source="org_unit_id", allow_null=True)
        org_unit_name = serializers.CharField(source="org_unit.name", default=None)
        department = serializers.CharField()
        mobile_masked = serializers.SerializerMethodField()
        is_active = serializers.BooleanField()
        roles = serializers.SerializerMethodField()

        def get_mobile_masked(self, user) -> str:
            return mask_phone(user.mobile)

        def get_roles(self, user) -> list[str]:
            return sorted(group.role.code for group in user.groups.all() if hasattr(group, "role"))

    serializer_class = OutputSerializer

    @extend_schema(parameters=[FilterSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        filters = self.FilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        # Prefetch only shapes the rows; which rows is the selector's decision.
        return selectors.users_visible_to(self.request.user, filters=filters.validated_data).prefetch_related(
            "groups__role"
        )


class MeApi(APIView):
    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        username = serializers.CharField()
        full_name = serializers.CharField()
        org_unit = OrgUnitOutput(allow_null=True)
        roles = serializers.SerializerMethodField()
        care_mode = serializers.BooleanField()
        language = serializers.CharField()

        def get_roles(self, user) -> list[str]:
            return sorted(user.groups.values_list("role__code", flat=True))

    serializer_class = OutputSerializer

    def get(self, request):
        return Response(self.OutputSerializer(request.user).data)


class NotificationListApi(ListAPIView):
    """The caller's own notifications (reminders, overdue tasks, 督办, admin alerts)."""

    class FilterSerializer(serializers.Serializer):
        unread = serializers.BooleanField(required=False, default=False)
        kind = serializers.CharField(
            required=False, allow_blank=True, max_length=50, help_text="a module (`complaints`) or a full kind"
        )
        digest = serializers.IntegerField(
            required=False, min_value=1, help_text="list the notices folded into this digest of yours"
        )

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        kind = serializers.CharField()
        group = serializers.SerializerMethodField()
        is_digest = serializers.BooleanField()
        digest_size = serializers.IntegerField()
        level = serializers.CharField()
        title = serializers.CharField()
        body = serializers.CharField()
        url = serializers.CharField()
        object_type = serializers.CharField()
        object_id = serializers.CharField()
        created_at = serializers.DateTimeField()
        read_at = serializers.DateTimeField(allow_null=True)

        def get_group(self, obj) -> str:
            return obj.kind.split(".", 1)[0]

    serializer_class = OutputSerializer

    @extend_schema(parameters=[FilterSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        filters = self.FilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return selectors.notifications_for(self.request.user, filters=filters.validated_data)


class NotificationGroupsApi(APIView):
    """The caller's notifications grouped by module (`key` is what `kind=` filters on), with counts."""

    class FilterSerializer(serializers.Serializer):
        unread = serializers.BooleanField(required=False, default=False)

    class OutputSerializer(serializers.Serializer):
        key = serializers.CharField()
        label = serializers.CharField()
        total = serializers.IntegerField()
        unread = serializers.IntegerField()
        urgent = serializers.IntegerField()

    @extend_schema(parameters=[FilterSerializer], responses={200: OutputSerializer(many=True)})
    def get(self, request):
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        groups = selectors.notification_groups(request.user, unread=filters.validated_data["unread"])
        return Response(self.OutputSerializer(groups, many=True).data)


class NotificationReadApi(APIView):
    """Mark the caller's notifications read: the listed ids (a digest with the notices it holds), or all unread
    when `ids` is omitted (of one module or kind with `kind`)."""

    class InputSerializer(serializers.Serializer):
        ids = serializers.ListField(child=serializers.IntegerField(), required=False, max_length=500)
        kind = serializers.CharField(required=False, allow_blank=True, max_length=50)

    class OutputSerializer(serializers.Serializer):
        marked = serializers.IntegerField()

    serializer_class = InputSerializer

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        marked = services.notifications_mark_read(
            user=request.user, ids=data.validated_data.get("ids"), kind=data.validated_data.get("kind", "")
        )
        return Response(self.OutputSerializer({"marked": marked}).data)


class NotFoundApi(APIView):
    """Any unknown path under /api/v1/: a 404 in the API's error shape instead of the HTML page."""

    permission_classes = [AllowAny]
    authentication_classes = []
    schema = None  # not an endpoint; keep it out of the OpenAPI document

    def _not_found(self, request, *args, **kwargs):
        raise exceptions.NotFound()

    get = post = put = patch = delete = options = _not_found


urlpatterns = [
    path("me/", MeApi.as_view(), name="api-me"),
    path("org-units/", OrgUnitListApi.as_view(), name="api-org-units"),
    path("users/", UserListApi.as_view(), name="api-users"),
    path("notifications/", NotificationListApi.as_view(), name="api-notifications"),
    path("notifications/read/", NotificationReadApi.as_view(), name="api-notifications-read"),
    path("notifications/groups/", NotificationGroupsApi.as_view(), name="api-notification-groups"),
]
