"""Calibration (the supervision report's figures) and the documented assumptions: every number the
generator draws from, named (see ``docs/synthetic-data.md``)."""

from __future__ import annotations

from datetime import date

from bitrade.assistance import rules as case_rules

REFERENCE_PREFIX = "SYN-"
DEFAULT_UNTIL = date(2026, 1, 1)  # ten years back from here: 2016–2025, which holds 2016, 2021 and 2023

# --------------------------------------------------------------------------- calibration (sources)

BASE_YEAR = 2023
CLOSED_BASE_YEAR = 32_350  # closed in PÄR in 2023
CARE_LAW_BASE_YEAR = 25_000  # of which under the care laws
LPT_GROWTH_2021_2023 = 1.13  # DAF: LPT cases up by just over 13 % from 2021 to 2023
CODE_614_2016_2023 = 0.62  # case code 614: "drygt 38 procent" down
PATROL_MEAN_MINUTES = 240.0  # Storm: mean, assignment to completion, excluding the drive back

# --------------------------------------------------------------------------- assumptions (documented)

#: Received per year relative to the closed target. With 1.0 the cases carried over a year end (received in
#: late December, closed in January) and the few never closed balance: closed(2023) comes out at 32,326.
RECEIVED_OVER_CLOSED = 1.0
LAW_SHARES = {"LPT": 0.58, "LVU": 0.20, "LVM": 0.16, "LRV": 0.06}
POINT_SHARES = {
    "LPT": {"LPT-47-2-1": 0.10, "LPT-47-2-2": 0.30, "LPT-47-2-3": 0.30, "LPT-47-2-4": 0.14,
            "LPT-47-2-5": 0.05, "LPT-47-2-6": 0.10, "LPT-47-2-7": 0.01},
    "LVU": {"LVU-43-1-1": 0.08, "LVU-43-1-2": 0.62, "LVU-43-1-3": 0.30},
    "LVM": {"LVM-45-1-1": 0.10, "LVM-45-1-2": 0.55, "LVM-45-1-3": 0.05, "LVM-45-1-4": 0.30},
    "LRV": {"LRV-27-LPT-47-2-3": 0.45, "LRV-27-LPT-47-2-4": 0.25, "LRV-27-LPT-47-2-5": 0.05,
            "LRV-27-LPT-47-2-6": 0.15, "LRV-27-LRV-7-1": 0.10},
}
#: Other handräckning on the same case codes (not under the care laws): stream → (share, case code, text).
OTHER_STREAMS = {
    "OTHER-UTL": (0.45, "618", "Handräckning enligt utlänningslagen (2005:716)"),
    "OTHER-TILLSYN": (0.25, "618", "Handräckning vid kommunal tillsyn (annan lag än vårdlagarna)"),
    "OTHER-FB": (0.30, "614", "Handräckning vid verkställighet enligt 21 kap. föräldrabalken"),
}
#: Annual growth outside the calibrated years.
LPT_GROWTH_BEFORE_2021 = 0.03
LPT_GROWTH_AFTER_2023 = 0.03
CODE_614_CHANGE_AFTER_2023 = -0.03
OTHER_GROWTH = 0.01
MONTH_WEIGHTS = (1.0, 0.95, 1.0, 1.0, 1.02, 1.0, 0.92, 0.98, 1.03, 1.05, 1.03, 0.97)
WEEKDAY_WEIGHTS = (1.15, 1.15, 1.15, 1.15, 1.1, 0.7, 0.6)
HOUR_WEIGHTS = (2, 1.5, 1, 1, 1, 1.5, 3, 5, 8, 9, 9, 8, 7, 8, 8, 8, 7, 6, 5, 4, 4, 3, 3, 2.5)

REVIEW_OUTCOMES = (("admissible", 0.86), ("needs_completion", 0.11), ("inadmissible", 0.03))
POLICE_COMPLETION_SHARE = 0.02  # admissible requests where the police ask a question anyway
COMPLETION_UNANSWERED = 0.07
REFUSAL_RATE = {"admissible": 0.025, "needs_completion": 0.08, "inadmissible": 0.85}
OVERRULE_RATE = 0.012
LATE_ACK_RATE = 0.04
SECOND_ESCALATION = 0.1
LATE_ASSIGNMENT_RATE = 0.05
WITHDRAWN_BEFORE_EXECUTION = 0.03
NOT_FOUND_RATE = 0.09
OUTCOME_SHARES = ((case_rules.OUTCOME_EXECUTED, 0.83), (case_rules.OUTCOME_HEALTH_CARE, 0.10),
                  (case_rules.OUTCOME_NEED_ENDED, 0.07))
PATROL_SIGMA = 0.65
RETURN_DRIVE_MEDIAN = 35.0  # minutes; the drive back that Storm does not register (report, section 6.2)
PATROL_MISSING = 0.03
EPISODE_RATE = {"LPT-47-2-1": 0.3}  # share of executed cases with a deprivation of liberty; default below
EPISODE_RATE_DEFAULT = 0.9
HOLDING_RATE_ADULT = 0.10
HOLDING_RATE_15_17 = 0.015
ACTIVITY_ROOM_RATE_CHILD = 0.08
HOLDING_MEDIAN_HOURS = 2.5
HOLDING_OVERNIGHT_MEDIAN_HOURS = 9.0
HOLDING_REASONS = (("awaiting_transport", 0.60), ("overnight", 0.20), ("meal", 0.05), ("break", 0.10),
                   ("other", 0.05))
HOLDING_PLACES = (("police_cell", 0.85), ("other_lockup", 0.10), ("remand_prison", 0.05))
NTE_KV_POINTS_SHARE = 0.70  # points where the catalogue names Kriminalvården's transport
NTE_OTHER_SHARE = 0.35
NTE_CHILD_UNDER_15_SHARE = 0.15
NTE_DECLINE_RATE = 0.28
NTE_DECLINE_REASONS = (("no_capacity", 0.40), ("short_notice", 0.35), ("no_nte_presence", 0.12), ("other", 0.13))
TRANSPORT_CANCELLED = 0.03
RELAY_RATE = 0.03
REPORT_BACK_LATE = {case_rules.OUTCOME_HEALTH_CARE: 0.30}  # report 3.3: the requester is often not told
REPORT_BACK_LATE_DEFAULT = 0.05
NEVER_CLOSED = 0.002
PRIORITY_SHARES = {
    "default": ((1, 0.05), (2, 0.20), (3, 0.30), (None, 0.45)),
    "LPT-47-2-1": ((1, 0.15), (2, 0.35), (3, 0.30), (None, 0.20)),
    "LPT-47-2-2": ((1, 0.15), (2, 0.35), (3, 0.30), (None, 0.20)),
    "LPT-47-2-6": ((2, 0.05), (3, 0.15), (None, 0.80)),
    "LRV-27-LPT-47-2-6": ((2, 0.05), (3, 0.15), (None, 0.80)),
    "LVM-45-1-4": ((3, 0.40), (None, 0.60)),
    "other": ((3, 0.10), (None, 0.90)),
}
URGENCY_FOR_PRIORITY = {1: "immediate", 2: "urgent", 3: "near_term", None: "planned"}
ACK_MEDIAN = {1: 3, 2: 8, 3: 25, None: 90}  # minutes
DECISION_MEDIAN = {1: 5, 2: 10, 3: 30, None: 180}
ASSIGN_MEDIAN = {1: 8, 2: 25, 3: 120, None: 14 * 60}
ASSIGN_DUE = {1: 15, 2: 60, 3: 240, None: 24 * 60}  # cases.services.DEFAULT_ASSIGN_THRESHOLDS
ACK_DUE = {1: 10, 2: 30, 3: 120, None: 8 * 60}  # routing.rules.DEFAULT_ACK_THRESHOLDS
CHANNELS = (("web", 0.55), ("api", 0.35), ("oral", 0.10))
RISK_LEVELS = (("low", 0.5), ("medium", 0.35), ("high", 0.15))
REGION_ORDER = ("nord", "mitt", "bergslagen", "stockholm", "ost", "vast", "syd")  # roughly north to south

HEALTH_REGIONS = {
    "01": "Region Stockholm", "03": "Region Uppsala", "04": "Region Sörmland", "05": "Region Östergötland",
    "06": "Region Jönköpings län", "07": "Region Kronoberg", "08": "Region Kalmar län", "09": "Region Gotland",
    "10": "Region Blekinge", "12": "Region Skåne", "13": "Region Halland", "14": "Västra Götalandsregionen",
    "17": "Region Värmland", "18": "Region Örebro län", "19": "Region Västmanland", "20": "Region Dalarna",
    "21": "Region Gävleborg", "22": "Region Västernorrland", "23": "Region Jämtland Härjedalen",
    "24": "Region Västerbotten", "25": "Region Norrbotten",
}
DEMO_CLINICS = {"12": "Vuxenpsykiatri Malmö, Skånes universitetssjukhus", "01": "Norra Stockholms psykiatri",
                "25": "Psykiatriska kliniken Sunderby sjukhus"}
COURT_CITIES = {"nord": ("Luleå", "2580"), "mitt": ("Uppsala", "0380"), "bergslagen": ("Karlstad", "1780"),
                "stockholm": ("Stockholm", "0180"), "ost": ("Linköping", "0580"), "vast": ("Göteborg", "1480"),
                "syd": ("Malmö", "1280")}

FIRST_NAMES = ("Alva", "Elsa", "Maja", "Saga", "Ella", "Astrid", "Vera", "Alice", "Nora", "Ebba", "Liam",
               "Noah", "William", "Hugo", "Lucas", "Oscar", "Elias", "Nils", "Axel", "Leo", "Kim", "Robin",
               "Alex", "Sam", "Charlie", "Love", "Mio", "Iris", "Tuva", "Juni")
#: Obviously invented surnames: nobody should mistake a generated person for a real one.
FAKE_SURNAMES = ("Exempelsson", "Testberg", "Påhittsdotter", "Fiktivsson", "Provström", "Låtsasgren",
                 "Demoqvist", "Syntetlund", "Modellsson", "Övningsdahl", "Exempeldotter", "Testlind")
