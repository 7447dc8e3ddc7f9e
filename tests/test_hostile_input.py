"""No input, however hostile, gives a 500: every form and URL gets junk and must answer
with a page (200 with messages, 302, 400 or 404)."""

from __future__ import annotations

import pytest

from facilitator.domain.choices import Role

JUNK = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "x" * 20_000,
    "'; DROP TABLE users; --",
    "<script>alert(1)</script>",
    "\u202eevil\u202c",
    "😀" * 100,
    "-1",
    "99999999999999999999999",
    "\r\nSet-Cookie: x=y",
]

FORMS = {
    "/login": ["email", "password"],
    "/account/password": ["current_password", "password", "confirm"],
    "/admin/org-a/settings": ["name", "timezone", "contact", "small_count_threshold"],
    "/admin/org-a/groups/new": ["name", "slug", "program", "audience", "languages",
                                "visibility", "description"],
    "/admin/org-a/people/new": ["email", "display_name", "roles", "groups"],
    "/admin/org-a/groups/a-one/facilitators": ["groups"],
    "/manage/g/a-one/edit": ["name", "slug", "program", "audience", "languages", "visibility",
                         "description"],
    "/manage/g/a-one/documents/guidelines/edit": ["body", "note", "based_on"],
    "/manage/o/org-a/agreement/edit": ["body", "note", "based_on"],
    "/manage/o/org-a/agreement/sign": ["typed_name", "confirm", "version"],
}


@pytest.mark.parametrize("path", list(FORMS))
def test_junk_in_every_field_never_fails(client, auth, tenancy, path):
    auth.login(tenancy["a"]["admin"])
    for junk in JUNK:
        data = {name: junk for name in FORMS[path]}
        response = client.post(path, data=data)
        assert response.status_code in (200, 302, 400), (path, junk[:20], response.status_code)
        assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
        if path == "/login":
            auth.login(tenancy["a"]["admin"])


@pytest.mark.parametrize("path", [
    "/admin/org-a/people/99999999999999999999",
    "/admin/org-a/people/-1",
    "/admin/%00/",
    "/manage/g/%00/",
    "/manage/g/" + "a" * 5000 + "/",
    "/audit/org-a/log?page=abc&type=%00",
    "/invite/" + "x" * 5000,
    "/invite/%00",
    "/admin/org-a/groups/%C3%A9/delete",
    "/manage/g/a-one/documents/guidelines/versions/99999999999999999999",
    "/manage/g/a-one/documents/guidelines/compare?from=-1&to=abc",
    "/manage/o/%00/agreement/",
])
def test_junk_urls_are_404_or_400(client, auth, tenancy, path):
    auth.login(tenancy["a"]["admin"])
    assert client.get(path).status_code in (400, 404)


def test_methods_not_allowed_get_a_page(client, auth, tenancy):
    auth.login(tenancy["a"]["admin"])
    response = client.delete("/admin/org-a/")
    assert response.status_code == 405
    assert "use the page" in response.get_data(as_text=True)


def test_escapes_what_leaders_type(client, auth, make_org, make_user, make_group):
    org = make_org()
    leader = make_user(org, Role.FACILITATOR, display_name="<b>Sam</b>")
    make_group(org, name="<img src=x onerror=alert(1)>", facilitators=[leader])
    auth.login(leader)
    page = client.get("/manage/").get_data(as_text=True)
    assert "<img src=x" not in page and "&lt;img src=x" in page
    assert "<b>Sam</b>" not in page
