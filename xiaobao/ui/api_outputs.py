"""Reference outputs every app's API uses: an org unit or a user named by id and name."""

from __future__ import annotations

from rest_framework import serializers


class UnitRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class UserRefOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="__str__")
