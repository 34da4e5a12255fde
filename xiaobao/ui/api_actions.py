"""The actions on a business object, as the API offers them, one shape for every app whose objects run a
process (work orders, complaints, reviews).

POST /<objects>/<pk>/<action>/ finds the object in the caller's scope (else 404), validates the action's
input, calls one service and answers the object as its detail (read again: the service moved it on). A refusal
is a BusinessRuleError, which the project's exception handler answers in the API's error shape with the
refusal's own status.

Each app has one base (`find`, `answer`, `required_permission`, `detail_output`, `refusals`); each action
sets its `InputSerializer` and `act`, and `action_schema` documents its POST.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.views import APIView

from xiaobao.core.api import HasModelPermission, answered_in_transaction


class VersionInput(serializers.Serializer):
    version = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text="The step's task version the caller saw (detail `step.version`); a stale one is a 409",
    )


# No docstring on this class or on `post`: drf-spectacular would show it as the description of every action whose
# app base has none (the module docstring says what the class is).
class ObjectActionApi(APIView):
    permission_classes = [IsAuthenticated, HasModelPermission]
    InputSerializer: type[serializers.Serializer] = VersionInput
    serializer_class: type[serializers.Serializer] = VersionInput
    # For the schema: the 200 answer and the app's refusals (status -> OpenApiResponse).
    detail_output: type[serializers.Serializer]
    refusals: dict = {}  # read only
    # True: the input's fields are all optional, and those not given are kept (a partial update).
    partial = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # The body drf-spectacular falls back to is the action's own input.
        cls.serializer_class = cls.InputSerializer

    def find(self, request, pk: int):  # pragma: no cover - each app's base overrides
        raise NotImplementedError

    def answer(self, request, obj):  # pragma: no cover - each app's base overrides
        raise NotImplementedError

    def act(self, request, obj, data: dict, **kwargs) -> None:  # pragma: no cover - each action overrides
        raise NotImplementedError

    def check_may_act(self, request, obj) -> None:
        """Refuse (403) a caller who may never take this action on this object, before the body is read:
        permission before validation and before state. Default: nothing here, the service decides."""

    def run(self, request, pk: int, **kwargs):
        obj = self.find(request, pk)
        self.check_may_act(request, obj)
        data = self.InputSerializer(data=request.data, partial=self.partial)
        data.is_valid(raise_exception=True)
        self.act(request, obj, data.validated_data, **kwargs)
        return self.answer(request, self.find(request, pk))

    @answered_in_transaction  # a committed action is never answered with an error
    def post(self, request, pk: int, **kwargs):
        return self.run(request, pk, **kwargs)


_OWN_INPUT = object()


def action_schema(summary: str, description: str = "", *, request=_OWN_INPUT):
    """Class decorator documenting an action's POST: its input (the action's InputSerializer unless `request`
    is given; None for no body), the object's detail on success, and the app's refusals."""

    def decorate(view):
        body = view.InputSerializer if request is _OWN_INPUT else request
        schema = extend_schema(
            request=body,
            responses={200: view.detail_output, **view.refusals},
            summary=summary,
            description=description,
        )
        return extend_schema_view(post=schema)(view)

    return decorate
