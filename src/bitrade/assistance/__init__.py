"""Handräckning under the care laws (LPT, LRV, LVM, LVU) as a case kind: its states and decisions,
its actions, its closure checklist and its case page. The request itself lives in ``intake``, the
deprivation of liberty in ``custody`` and Kriminalvården's transports in ``transport``."""
