"""Core API: the signed-in user, org units in scope."""

from __future__ import annotations

from django.urls import path
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from xiaobao.core import selectors
from xiaobao.core.models import OrgUnit


class OrgUnitOutput(serializers.ModelSerializer):
    level_display = serializers.CharField(source="get_level_display")

    class Meta:
        model = OrgUnit
        fields = ["id", "code", "name", "short_name", "level", "level_display", "parent", "path", "region"]


class OrgUnitListApi(ListAPIView):
    serializer_class = OrgUnitOutput

    def get_queryset(self):
        return selectors.org_units_visible_to(self.request.user)


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


urlpatterns = [
    path("me/", MeApi.as_view(), name="api-me"),
    path("org-units/", OrgUnitListApi.as_view(), name="api-org-units"),
]
