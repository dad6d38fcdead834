import gc
import os

from django.core.signals import request_finished
from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bitrade.config.settings")
application = get_wsgi_application()
# The URL patterns import every view, the API's routers and their schemas: loaded now, not by the first request,
# so that they are frozen below with the rest.
_ = get_resolver().url_patterns

# Everything loaded so far (Django, the apps, the URL patterns, the legal catalogue) lives as long as the process:
# moved out of the collector's generations, a full collection no longer walks it on every page of 100 rows.
gc.freeze()

#: After this many requests a process has loaded what the first requests load lazily (templates, the pydantic
#: validators built on first use, translations, per-process caches): frozen once more, so that a full collection
#: (it holds the GIL: every thread of the process waits) walks only what the requests since have left
#: (``BITRADE_GC_FREEZE_AFTER``; 0: no second freeze). What is garbage in a cycle at that moment stays (once).
FREEZE_AFTER = int(os.environ.get("BITRADE_GC_FREEZE_AFTER", "100"))
_served = [0]


def _freeze_after_warm_up(**_kwargs) -> None:
    _served[0] += 1
    # ">=" and the disconnect's answer: two threads finishing at once still freeze exactly once.
    if _served[0] >= FREEZE_AFTER and request_finished.disconnect(_freeze_after_warm_up):
        gc.collect()
        gc.freeze()


if FREEZE_AFTER > 0:
    request_finished.connect(_freeze_after_warm_up, weak=False)
