import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bitrade.config.settings")
application = get_wsgi_application()

# Everything loaded so far (Django, the apps, the URL patterns, the legal catalogue) lives as long as the process:
# moved out of the collector's generations, a full collection no longer walks it on every page of 100 rows.
gc.freeze()
