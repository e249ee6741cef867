from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "lvzhi.members"
    label = "members"
    verbose_name = "委员"
