"""System checks shown by `jiuye migrate`, `jiuye runserver` and `jiuye check`, and the problems
of start-up that stop the application from serving anything.

A problem of start-up is one that makes every page wrong (a field key that does not match the
database). Its source lives in the layer that knows it (``jiuye.registry.crypto``) and plugs
itself in with ``startup_problem_source``; then the commands stop on it (error ``jiuye.E001``),
the WSGI application logs it when it starts and answers 503 with its message
(``jiuye.middleware.StartupProblemMiddleware``), and the job runner fails its job.
"""

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.checks import Error, register
from django.core.checks import Warning as CheckWarning

_SOURCES: list[Callable[..., str | None]] = []


def startup_problem_source(source: Callable[..., str | None]):
    """Register ``source(*, thorough: bool) -> message | None`` (a decorator)."""
    if source not in _SOURCES:
        _SOURCES.append(source)
    return source


_standing: list[str] = []  # the problem found last, while it stands: asked thoroughly until it is gone


def startup_problem(*, thorough: bool = True) -> str | None:
    """The first problem of start-up, or None. ``thorough=False`` is the cheap form asked on
    each request (each source remembers a success for the process); once a problem is found,
    every ask is thorough until it is gone."""
    thorough = thorough or bool(_standing)
    found = None
    for source in _SOURCES:
        found = source(thorough=thorough)
        if found:
            break
    _standing[:] = [found] if found else []
    return found


def startup_problem_log() -> str | None:
    """What the WSGI application does when it starts: the problem, logged once (or None).

    A database that cannot be asked yet (down at start-up, or not to be touched while the
    module is imported, as under the tests) leaves the question to the first request: the
    middleware asks on every request, and the application must load to answer at all."""
    try:
        problem = startup_problem()
    except Exception:  # noqa: BLE001 - any database error: asked again on the first request
        logging.getLogger("jiuye").warning("start-up checks deferred to the first request (database not reachable)")
        return None
    if problem:
        logging.getLogger("jiuye").error("%s", problem)
    return problem


@register()
def startup_problems(app_configs, **kwargs):
    problem = startup_problem()
    return [Error(problem, id="jiuye.E001")] if problem else []


@register()
def development_mode(app_configs, **kwargs):
    if getattr(settings, "DEVELOPMENT_MODE", False):
        return [
            CheckWarning(
                "开发模式：密钥为 ./var 下自动生成的本地密钥，切勿用于生产 / development mode: a local secret "
                f"under {settings.VAR_DIR} is used; set JIUYE_PRODUCTION=1 and the keys for production",
                id="jiuye.W001",
            )
        ]
    return []


@register()
def pages_shared(app_configs, **kwargs):
    """In production without Redis each server process computes and keeps its own pages, and the
    pages the nightly run and the preparation after an import compute serve nobody."""
    if settings.PRODUCTION and not settings.CACHES["pages"]["BACKEND"].endswith("RedisCache"):
        return [
            CheckWarning(
                "未设置 JIUYE_REDIS_URL：每个服务器进程各自计算并缓存页面，夜间任务和导入后预先计算的页面无法共享；"
                "请设置 JIUYE_REDIS_URL=redis://主机:6379/1 / JIUYE_REDIS_URL is not set: each server process "
                "computes and keeps its own pages, and those the nightly run and the preparation after an import "
                "compute are not shared; set JIUYE_REDIS_URL=redis://HOST:6379/1",
                id="jiuye.W002",
            )
        ]
    return []
