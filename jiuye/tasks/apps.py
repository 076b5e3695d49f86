from django.apps import AppConfig


class TasksConfig(AppConfig):
    name = "jiuye.tasks"
    label = "tasks"
    verbose_name = "后台任务 / Background work"
