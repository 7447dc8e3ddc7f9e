"""Write a realistic Meeting Guide feed, as an intergroup's 12 Step Meeting List site
publishes it: `python -m bench.generate OUT.json [--meetings N] [--groups M] [--seed S]`.

The same seed gives the same feed, byte for byte.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path
from typing import Any

GROUP_WORDS = ("Serenity", "Sunrise", "Hope", "Freedom", "Big Book", "Happy Destiny",
               "Keep It Simple", "Into Action", "New Beginnings", "Lakeside", "Courage",
               "Gratitude", "Back to Basics", "Came to Believe", "Twelve and Twelve",
               "Road to Recovery", "Spiritual Awakening", "Easy Does It", "Grupo Esperanza",
               "Women in Recovery", "Young People's", "Rainbow", "Noon Time", "Night Owls")
MEETING_WORDS = ("Step Study", "Big Book", "Discussion", "Speaker", "Meditation",
                 "Tradition Study", "Newcomers", "Candlelight", "Literature", "Daily Reflections")
TIMES = ("06:30", "07:00", "07:30", "08:00", "09:00", "10:00", "12:00", "12:15", "17:30",
         "18:00", "18:30", "19:00", "19:30", "20:00", "20:30", "22:00", "23:00")
LENGTHS = (60, 60, 60, 60, 90, 90, 75, 120)
STREETS = ("Main St", "Oak Ave", "Elm St", "Church St", "Park Rd", "2nd St", "Lake Shore Dr",
           "Maple Ave", "Washington Blvd", "Cedar Ln")
CITIES = (("Springfield", "IL", "627"), ("Riverside", "CA", "925"), ("Franklin", "TN", "370"),
          ("Greenville", "SC", "296"), ("Madison", "WI", "537"), ("Salem", "OR", "973"))
ZONES = {"IL": "America/Chicago", "CA": "America/Los_Angeles", "TN": "America/Chicago",
         "SC": "America/New_York", "WI": "America/Chicago", "OR": "America/Los_Angeles"}
PLACES = ("St. Mark's Church", "Alano Club", "Community Center", "First Methodist Church",
          "Public Library", "YMCA", "Grace Lutheran Church", "Recovery Clubhouse")
COMMON_TYPES = ("O", "C", "D", "SP", "B", "ST", "TR", "X", "W", "M", "Y", "LGBTQ", "S", "BE",
                "11", "LIT", "CAN", "XB", "ASL", "12x12")


def generate(meetings: int = 5000, groups: int = 1000, seed: int = 1) -> list[dict[str, Any]]:
    """`meetings` feed meetings (about one in six listed on several days) in `groups`
    groups; a few carry codes outside the schema, as real feeds do."""
    rng = random.Random(seed)  # noqa: S311 (test data, reproducible on purpose)
    group_names = [f"{rng.choice(GROUP_WORDS)} Group {n}" for n in range(1, groups + 1)]
    feed = []
    for n in range(meetings):
        group = group_names[n % groups]
        city, state, zip_prefix = rng.choice(CITIES)
        name = f"{group.rsplit(' Group', 1)[0]} {rng.choice(MEETING_WORDS)}"
        start = rng.choice(TIMES)
        hours, minutes = map(int, start.split(":"))
        end = (hours * 60 + minutes + rng.choice(LENGTHS)) % (24 * 60)
        day: int | list[int] = rng.randrange(7)
        if rng.random() < 1 / 6:
            day = sorted(rng.sample(range(7), rng.choice((2, 3, 5))))
        types = rng.sample(COMMON_TYPES, rng.randint(1, 4))
        if rng.random() < 0.03:
            types.append(rng.choice(("XYZ", "GSO", "NS")))
        attendance = rng.choices(("in_person", "online", "hybrid"), (65, 20, 15))[0]
        item: dict[str, Any] = {
            "id": 10_000 + n,
            "name": name,
            "slug": f"{name.lower().replace(' ', '-').replace(chr(39), '')}-{n}",
            "day": day,
            "time": start,
            "end_time": f"{end // 60:02d}:{end % 60:02d}",
            "types": types,
            "group": group,
            "timezone": ZONES[state],
            "attendance_option": attendance,
            # The city, as intergroups use regions; no draw, so the rest stays as it was.
            "region": city if attendance != "online" else "Online",
            "updated": f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} 12:00:00",
            "url": f"https://intergroup.example.org/meetings/{n}/",
        }
        if attendance != "online":
            street = f"{rng.randint(1, 2999)} {rng.choice(STREETS)}"
            item |= {
                "location": rng.choice(PLACES),
                "formatted_address": f"{street}, {city}, {state} {zip_prefix}"
                                     f"{rng.randint(0, 99):02d}, USA",
                "latitude": round(rng.uniform(30, 47), 6),
                "longitude": round(rng.uniform(-123, -80), 6),
                "location_notes": rng.choice(("", "Side door.", "Basement, room 3.")),
            }
        if attendance != "in_person":
            zoom = rng.randint(10**9, 10**10 - 1)
            item |= {
                "conference_url": f"https://zoom.us/j/{zoom}",
                "conference_url_notes": f"Passcode: {rng.randint(1000, 9999)}",
                "conference_phone": f"+1646555{rng.randint(1000, 9999)},,{zoom}#",
            }
        if rng.random() < 0.3:
            item["notes"] = "Newcomers welcome. " + rng.choice(("Coffee provided.",
                                                                  "Literature available.",
                                                                  "Masks optional."))
        feed.append(item)
    return feed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--meetings", type=int, default=5000)
    parser.add_argument("--groups", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    feed = generate(args.meetings, args.groups, args.seed)
    args.out.write_text(json.dumps(feed, indent=1))
    print(f"Wrote {len(feed)} meetings in {args.groups} groups to {args.out}.")


if __name__ == "__main__":
    main()
