"""The node catalogue quick tests are validated and run against, cached in each process.

Building a user's catalogue (nodes.selectors.node_catalogue_for_user) reads every system template row and
the user's own and resolves them (some 20 ms), and a quick test needs it twice: when it is posted and in
the worker. The cache key is a fingerprint of the rows the catalogue is built from (how many there are and the
latest `updated_at`), one aggregate query, so creating, editing, deleting or restoring any template the
user can see builds it afresh. Counting usage (`usage_count`) does not touch `updated_at`.
"""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock

from django.db.models import Count, Max

from engine.catalogue import Catalogue
from nodes.selectors import node_catalogue_for_user, node_catalogue_rows

MAX_CACHED = 64

_cache: OrderedDict[tuple, Catalogue] = OrderedDict()
_lock = Lock()


def quicktest_catalogue(user) -> Catalogue:
    fingerprint = node_catalogue_rows(user).aggregate(count=Count("pk"), latest=Max("updated_at"))
    key = (str(user.pk), fingerprint["count"], fingerprint["latest"])
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    catalogue = node_catalogue_for_user(user)
    with _lock:
        _cache[key] = catalogue
        while len(_cache) > MAX_CACHED:
            _cache.popitem(last=False)
    return catalogue
