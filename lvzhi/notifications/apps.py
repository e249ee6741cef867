from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "lvzhi.notifications"
    label = "notifications"
    verbose_name = "通知"
