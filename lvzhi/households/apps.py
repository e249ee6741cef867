from django.apps import AppConfig


class HouseholdsConfig(AppConfig):
    name = "lvzhi.households"
    verbose_name = "建档立卡贫困户"
