from rest_framework import serializers

from checklists.models.patients import validate_time_zone


class MeOutput(serializers.Serializer):
    email = serializers.EmailField(source="user.email")
    first_name = serializers.CharField(source="user.first_name")
    time_zone = serializers.CharField()
    language = serializers.CharField()
    quiet_hours_start = serializers.TimeField(allow_null=True)
    quiet_hours_end = serializers.TimeField(allow_null=True)


class MeInput(serializers.Serializer):
    time_zone = serializers.CharField(required=False, validators=[validate_time_zone])
    language = serializers.CharField(required=False)
    quiet_hours_start = serializers.TimeField(required=False, allow_null=True)
    quiet_hours_end = serializers.TimeField(required=False, allow_null=True)
