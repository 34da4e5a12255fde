"""Handing work to the worker without ever failing the request that asked for it.

Every background job here is a row first (an import job, a report job) and a message second: the periodic
sweeps run any queued row whose message never arrived. So when the broker is down, the upload is kept, the
user is told it will start when the background service is back, and nothing answers 500.
"""

from __future__ import annotations

import logging
from functools import partial

from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _

log = logging.getLogger(__name__)

#: a down broker must not hold the request for long: a few quick tries, then leave it to the sweep
RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}

#: what the page says when the message could not be sent (the work is kept and starts by itself)
QUEUED_LATER = _("文件已上传并保存。后台处理服务暂时不可用，服务恢复后将自动开始处理，无需重新上传。")
#: the same for a job that uploads nothing (a report asked for): the request is what is kept
REQUEST_QUEUED_LATER = _("已记录您的生成请求。后台处理服务暂时不可用，服务恢复后将自动开始生成，无需重新提交。")


def enqueue(task, *args) -> bool:
    """Send `task(*args)` to the worker; False (logged) when the broker could not take the message.

    Inside a transaction the message goes once it commits (a worker must never look for an uncommitted row),
    and the answer is True: whether it went is then up to the commit, and the sweep covers a lost one.
    """
    if connection.in_atomic_block:
        transaction.on_commit(partial(_send, task, args))
        return True
    return _send(task, args)


def _send(task, args: tuple) -> bool:
    try:
        task.apply_async(args=args, retry=True, retry_policy=RETRY_POLICY)
    except Exception:  # kombu's OperationalError, a socket error, a timeout: all mean "not sent"
        log.warning("could not queue %s%r; the periodic sweep will pick it up", task.name, args, exc_info=True)
        return False
    return True
