from django.apps import AppConfig


class AssistanceConfig(AppConfig):
    name = "lvzhi.assistance"
    verbose_name = "脱贫攻坚助推行动"
