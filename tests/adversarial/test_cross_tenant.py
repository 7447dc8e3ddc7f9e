"""Every signed-in route, walked from the URL map, with another organization's ids:
404 every time, for every method, and nothing changes.

The admin of org A holds the most power there is in A; each case swaps one of the
URL's arguments (org, group, meeting, person, training type, record or invitation) for
org B's, keeping the rest A's own.
A page that anyone, signed in or not, gets with B's ids is public by design and left to
the public pages' own tests.
"""

from __future__ import annotations

import pytest

from tests.adversarial.conftest import fill
from tests.adversarial.conftest import ids_of
from tests.adversarial.conftest import methods
from tests.adversarial.conftest import sign_in
from tests.adversarial.conftest import snapshot
from tests.adversarial.conftest import url_rules

#: Arguments that name something belonging to one organization.
TENANT_ARGUMENTS = {"org_slug", "group_slug", "meeting_id", "user_id", "type_id",
                    "record_id", "invitation_id"}
#: Public pages show public things of every org by design (tested in test_public).
PUBLIC = ("public.", "checkin.", "auth.", "static")
RULES = [r for r in url_rules()
         if r.arguments & TENANT_ARGUMENTS and not r.endpoint.startswith(PUBLIC)]


def test_the_walk_covers_every_signed_in_blueprint():
    assert {r.endpoint.split(".")[0] for r in RULES} >= {"admin", "audit", "manage"}
    assert len(RULES) >= 30


@pytest.mark.parametrize("rule", RULES, ids=lambda r: f"{r.rule}:{','.join(methods(r))}")
def test_another_orgs_ids_are_404_on_every_route(app, client, world, session, rule):
    sign_in(client, world["a"]["admin"])
    own, theirs = ids_of(world["a"]), ids_of(world["b"])
    before = snapshot(session)
    swaps = [name for name in sorted(rule.arguments) if name in TENANT_ARGUMENTS]
    for name in swaps:
        path = fill(rule, own | {name: theirs[name]})
        if name == "org_slug" and "group_slug" in rule.arguments:  # B's org, B's group
            path = fill(rule, own | {"org_slug": theirs["org_slug"],
                                     "group_slug": theirs["group_slug"]})
        for method in methods(rule):
            if method == "GET" and app.test_client().get(path).status_code == 200:
                continue  # open to anyone, signed in or not: public by design
            response = client.open(path, method=method, data={"confirm": "y", "tap": "+1"})
            assert response.status_code == 404, (method, path, response.status_code)
            text = response.get_data(as_text=True)
            assert "Org B" not in text and world["b"]["group1"].name not in text
    assert snapshot(session) == before


def test_own_ids_answer_so_the_walk_is_not_vacuous(client, world):
    """The same walk with A's own ids finds pages (not 404), so a 404 above means
    'not yours', not 'wrong address'."""
    sign_in(client, world["a"]["admin"])
    own = ids_of(world["a"])
    pages = [r for r in RULES if "GET" in methods(r) and not r.rule.endswith(".svg")]
    found = [r.rule for r in pages if client.get(fill(r, own)).status_code in (200, 302)]
    assert len(found) >= 0.8 * len(pages)
