"""Nothing a signed-in person is shown, and no page a capability link opens, is kept by
a browser or a proxy: every such answer says `Cache-Control: private, no-store`.

The routes are read from the app's URL map, so a page added later is checked without
editing this file.
"""

from __future__ import annotations

from facilitator import clock
from facilitator.services import accounts
from tests.adversarial.conftest import fill
from tests.adversarial.conftest import ids_of
from tests.adversarial.conftest import methods
from tests.adversarial.conftest import sign_in
from tests.adversarial.conftest import url_rules

GET_RULES = [r for r in url_rules() if "GET" in methods(r)]


def test_every_page_a_signed_in_person_gets_is_never_kept(client, world, session):
    """The admin of org A, who also leads its group, walks every GET route with A's own
    ids (pages, exports, PDFs, feeds and the 404s of token routes alike)."""
    world["a"]["group1"].facilitators.append(world["a"]["admin"])
    session.commit()
    sign_in(client, world["a"]["admin"])
    own = ids_of(world["a"])
    answered = []
    for rule in GET_RULES:
        path = fill(rule, own)
        response = client.get(path)
        response.close()
        assert response.headers.get("Cache-Control") == "private, no-store", \
            (path, response.status_code, response.headers.get("Cache-Control"))
        if response.status_code == 200:
            answered.append(path)
    # Not a walk of 404s: most pages, the audit log and training matrix among them, open.
    assert len(answered) >= 0.7 * len(GET_RULES), answered
    assert "/audit/org-a/log" in answered and "/admin/org-a/" in answered


def test_the_invitation_page_is_never_kept(client, world, session):
    person = accounts.create_user(session, None, email="new@example.org",
                                  display_name="New P.")
    token = accounts.invite(session, None, person, now=clock.now())
    session.commit()
    for path in (f"/invite/{token}", "/invite/" + "x" * 32):  # working and wrong alike
        response = client.get(path)
        assert response.headers["Cache-Control"] == "private, no-store", path


def test_visitors_public_pages_stay_shareable(client, world):
    """The rule keys on the session: a visitor's directory and feeds keep public caching."""
    for path in ("/o/org-a/", "/o/org-a/meetings.ics", "/o/org-a/meetings.json",
                 "/g/a-one/", "/g/a-one/meetings.ics"):
        assert client.get(path).headers["Cache-Control"].startswith("public, max-age="), path
