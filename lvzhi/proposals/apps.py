from django.apps import AppConfig


class ProposalsConfig(AppConfig):
    name = "lvzhi.proposals"
    label = "proposals"
    verbose_name = "提案"
