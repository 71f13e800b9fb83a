"""The demo city: a planned administrative city with eight zones of different character.

Everything here is plain data, generated deterministically from a seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DEMO_PASSWORD = "localcast-demo"


@dataclass(frozen=True)
class ZoneSpec:
    name: str
    kind: str
    latitude: float
    longitude: float
    screens: int
    level: int  # passers-by in the busiest hour at a typical screen of the zone


ZONES: tuple[ZoneSpec, ...] = (
    ZoneSpec("Government Complex", "office", 36.5040, 127.2650, 6, 1400),
    ZoneSpec("BRT Transit Hub", "transit", 36.4990, 127.2560, 6, 2200),
    ZoneSpec("Hansol Residential Blocks", "residential", 36.4870, 127.2480, 5, 700),
    ZoneSpec("Dodam Residential Blocks", "residential", 36.5110, 127.2590, 4, 650),
    ZoneSpec("Lake Park", "park", 36.4985, 127.2730, 5, 1600),
    ZoneSpec("Naseong Market Street", "market", 36.4930, 127.2610, 6, 1300),
    ZoneSpec("Arts and Community Centre", "civic", 36.4960, 127.2690, 4, 800),
    ZoneSpec("University Campus", "campus", 36.5170, 127.2400, 4, 1100),
)

# Screen sizes in use: portrait kiosks, landscape walls, small bus-stop panels.
SCREEN_SIZES = ((1080, 1920), (1920, 1080), (768, 1366))
HOURS_BY_KIND = {
    "office": (6, 23),
    "transit": (5, 24),
    "residential": (6, 23),
    "park": (6, 22),
    "market": (8, 24),
    "civic": (8, 22),
    "campus": (7, 23),
}
# KRW per 10-second play before tiers: about a 5,000 KRW CPM at each place's typical audience.
BASE_PRICE_BY_KIND = {
    "office": 15,
    "transit": 18,
    "residential": 10,
    "park": 14,
    "market": 12,
    "civic": 10,
    "campus": 11,
}

_SHOP_KINDS = (
    ("Bakery", "food"),
    ("Coffee", "food"),
    ("Noodle House", "food"),
    ("Flower Shop", "retail"),
    ("Bookshop", "retail"),
    ("Hair Salon", "services"),
    ("Pharmacy", "health"),
    ("Bike Repair", "services"),
    ("Tteok Shop", "food"),
    ("Stationery", "retail"),
    ("Laundry", "services"),
    ("Dental Clinic", "health"),
    ("Fruit Stand", "food"),
    ("Yoga Studio", "services"),
    ("Kimbap Corner", "food"),
    ("Hardware", "retail"),
)
_SHOP_PREFIXES = (
    "Hansol",
    "Dodam",
    "Naseong",
    "Areum",
    "Saerom",
    "Jongchon",
    "Goun",
    "Boram",
    "Sodam",
    "Daepyeong",
    "Haemil",
    "Bangok",
)
_CHAINS = (
    ("MegaMart", "retail"),
    ("Star Telecom", "services"),
    ("Hanbit Bank", "finance"),
    ("QuickBurger", "food"),
    ("CinemaPlex", "entertainment"),
    ("AutoWorld", "retail"),
    ("K-Insure", "finance"),
    ("FitChain Gyms", "services"),
    ("CoffeeCo", "food"),
    ("EduPrime Academy", "education"),
    ("TravelGo", "services"),
    ("HomeStyle Furniture", "retail"),
    ("BrightSmile Clinics", "health"),
    ("GreenEnergy", "utilities"),
    ("CityLife Realty", "services"),
    ("FreshDelivery", "food"),
    ("PlayZone", "entertainment"),
    ("StyleHub", "retail"),
    ("NetFast Internet", "services"),
    ("MobiCar Rental", "services"),
    ("TopBooks Chain", "retail"),
    ("WellPharm", "health"),
    ("SnackWorld", "food"),
    ("CloudBank", "finance"),
)
PUBLIC_BODIES = (
    "City of Sejong-ro",
    "Sejong-ro Transit Authority",
    "Sejong-ro Public Library",
)


@dataclass(frozen=True)
class BusinessSpec:
    name: str
    kind: str  # "commercial" or "public"
    category: str
    zone_index: int | None
    small_local: bool  # what the business claims
    verified: bool  # whether staff have verified the claim


def businesses(seed: int, count: int = 150) -> list[BusinessSpec]:
    """About ``count`` businesses: public bodies, national chains and, mostly, small local shops."""
    rng = np.random.default_rng(seed)
    specs = [BusinessSpec(name, "public", "public", None, False, False) for name in PUBLIC_BODIES]
    specs += [BusinessSpec(name, "commercial", cat, None, False, False) for name, cat in _CHAINS]
    used: set[str] = set()
    while len(specs) < count:
        prefix = _SHOP_PREFIXES[rng.integers(len(_SHOP_PREFIXES))]
        shop, category = _SHOP_KINDS[rng.integers(len(_SHOP_KINDS))]
        name = f"{prefix} {shop}"
        if name in used:
            continue
        used.add(name)
        # Nine in ten local claims are verified; the rest await staff review.
        verified = bool(rng.random() < 0.9)
        specs.append(
            BusinessSpec(
                name, "commercial", category, int(rng.integers(len(ZONES))), True, verified
            )
        )
    return specs
