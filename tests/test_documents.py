"""Guidelines, statements and the leader agreement: versions, differences, conflicts,
signatures, who may see what, and the public group page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from facilitator.domain.choices import DocumentKind
from facilitator.domain.text import MAX_BYTES
from facilitator.models import AuditEntry
from facilitator.models import DocumentVersion
from facilitator.models import Signature
from facilitator.models import StatementAcknowledgement
from facilitator.services import ServiceError
from facilitator.services import documents
from facilitator.services.documents import StaleVersion
from tests.conftest import page_text

GUIDELINES = "/manage/g/a-one/documents/guidelines"
AGREEMENT = "/manage/o/org-a/agreement"


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def hidden_based_on(response) -> str:
    return re.search(r'name="based_on"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="based_on"',
                     response.get_data(as_text=True)).group(1)


def save(client, url, body, based_on, note=""):
    return client.post(f"{url}/edit", data={"body": body, "based_on": based_on, "note": note})


@pytest.fixture
def world(tenancy, auth):
    auth.login(tenancy["a"]["lead1"])
    return tenancy


def test_first_guidelines_start_from_a_text_that_fits_the_program(client, world):
    text = page_text(client.get(f"{GUIDELINES}/edit"))
    assert "Write: Group guidelines" in text
    assert "12-step style" in text and "SMART Recovery style" in text
    assert "No crosstalk." in text  # the AA group gets the 12-step text to edit
    smart = page_text(client.get(f"{GUIDELINES}/edit?start=smart"))
    assert "No advice-giving." in smart and "No crosstalk." not in smart
    # An unknown choice leaves the text empty rather than failing.
    assert client.get(f"{GUIDELINES}/edit?start=%3Cscript%3E").status_code == 200


def test_versions_history_and_differences(client, world, session):
    assert page_text(client.get(f"{GUIDELINES}/")).count("Not written yet.") == 1
    response = save(client, GUIDELINES, "# Rules\n\n- Be kind\n- No crosstalk", 0, "First")
    assert response.location == f"{GUIDELINES}/?lang=en"
    response = save(client, GUIDELINES, "# Rules\n\n- Be kind\n- Keep it brief", 1,
                    "Brevity instead of crosstalk")
    page = page_text(client.get(f"{GUIDELINES}/"))
    assert "Version 2, saved" in page and "by Person" in page
    assert "Keep it brief" in page and "No crosstalk" not in page
    assert "Version 2 Current" in page
    assert re.search(r"Version 1 \w{3} \d+ \w{3} \d{4} Person \d+\. First", page)
    old = page_text(client.get(f"{GUIDELINES}/versions/1"))
    assert "This is an older version. The current one is version 2" in old
    assert "No crosstalk" in old
    diff = page_text(client.get(f"{GUIDELINES}/compare?from=1&to=2"))
    assert "Compare versions 1 and 2" in diff
    assert "Removed: - No crosstalk" in diff and "Added: - Keep it brief" in diff
    assert "Removed: - Be kind" not in diff
    same = page_text(client.get(f"{GUIDELINES}/compare?from=2&to=2"))
    assert "The two texts say the same." in same
    entries = session.scalars(select(AuditEntry).where(
        AuditEntry.entity_type == "documentversion").order_by(AuditEntry.id)).all()
    group = world["a"]["group1"].name
    assert [e.summary for e in entries] == [f"Group guidelines of {group} (English): version 1",
                                            f"Group guidelines of {group} (English): version 2"]
    assert entries[1].after["note"] == "Brevity instead of crosstalk"


@pytest.mark.parametrize(("body", "message"), [
    ("   \n\n  ", "Write the text first: it is empty."),
    ("x" * (MAX_BYTES + 1), "The text is 100 KB; a document can be at most 100 KB."),
    ("é" * 60_000, "The text is 120 KB; a document can be at most 100 KB."),
])
def test_empty_or_huge_text_is_refused_and_kept_in_the_form(client, world, session, body,
                                                           message):
    response = save(client, GUIDELINES, body, 0)
    assert response.status_code == 200
    assert message in page_text(response)
    assert count(session, DocumentVersion) == 0
    assert count(session, StatementAcknowledgement) == 0
    if body.strip():
        assert body[:1000] in response.get_data(as_text=True)


def test_saving_the_same_text_again_is_refused(client, world, session):
    save(client, GUIDELINES, "Be kind", 0)
    response = save(client, GUIDELINES, "Be kind\n", 1)
    assert "This is the same text as version 1: there is nothing new to save." in \
        page_text(response)
    assert count(session, DocumentVersion) == 1


@pytest.mark.parametrize("based_on", ["", "abc", "-1", "99999999999999999999", "7"])
def test_a_broken_or_forged_base_version_is_refused_without_saving(client, world, session,
                                                                   based_on):
    response = save(client, GUIDELINES, "Be kind", based_on)
    assert response.status_code == 200
    assert "out of date" in page_text(response) and "Be kind" in page_text(response)
    assert count(session, DocumentVersion) == 0
    assert count(session, StatementAcknowledgement) == 0


def test_second_editor_is_told_sees_the_difference_and_loses_nothing(client, world, auth,
                                                                     session):
    save(client, GUIDELINES, "Be kind\nNo crosstalk\nPhones off", 0)
    # Both leaders open the editor on version 1...
    assert hidden_based_on(client.get(f"{GUIDELINES}/edit")) == "1"
    auth.logout()
    auth.login(world["a"]["admin"])
    response = save(client, GUIDELINES, "Be kind\nNo crosstalk\nPhones off\nStart on time", 1,
                    "Time")
    assert response.status_code == 302
    auth.logout()
    auth.login(world["a"]["lead1"])
    # ...and the second save, still based on version 1, is not written over the first.
    mine = "Be kind\nNo cross-talk, please\nPhones off"
    response = save(client, GUIDELINES, mine, 1, "Wording")
    text = page_text(response)
    assert response.status_code == 200
    assert "Someone else saved version 2" in text and "your text is still below" in \
        text.lower()
    assert "Removed: No crosstalk" in text and "Added: No cross-talk, please" in text
    assert "Removed: Start on time" in text
    assert mine in response.get_data(as_text=True)  # the textarea still holds it
    assert hidden_based_on(response) == "2"
    assert "Save as version 3" in text
    assert count(session, DocumentVersion) == 2
    # Saving again, now knowingly based on version 2, goes through.
    assert save(client, GUIDELINES, mine, 2).status_code == 302
    current = documents.current(documents.find_document(
        session, world["a"]["org"], DocumentKind.GUIDELINES, world["a"]["group1"]))
    assert (current.number, current.body) == (3, mine)


def test_two_saves_on_one_base_let_exactly_one_through(world, session):
    org, group = world["a"]["org"], world["a"]["group1"]
    lead = world["a"]["lead1"]
    documents.save_version(session, lead, org, DocumentKind.STATEMENT, "One", based_on=0,
                           group=group)
    with pytest.raises(StaleVersion) as raised:
        documents.save_version(session, lead, org, DocumentKind.STATEMENT, "Two", based_on=0,
                               group=group)
    assert raised.value.current.number == 1
    assert count(session, DocumentVersion) == 1


def test_hostile_markdown_is_shown_as_text_on_every_page(client, world):
    hostile = ("# Rules\n\n<script>alert('x')</script>\n\n<img src=x onerror=alert(1)>\n\n"
               "[help](javascript:alert(1)) ![spy](https://evil.example/p.png)")
    save(client, GUIDELINES, hostile, 0)
    save(client, "/manage/g/a-one/documents/statement", hostile, 0)
    for url in (f"{GUIDELINES}/", f"{GUIDELINES}/versions/1", "/g/a-one/"):
        raw = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in raw and "<img" not in raw
        assert 'href="javascript' not in raw and "evil.example" not in raw
        assert "<script>alert('x')</script>" in page_text(raw)
        assert "[image: spy]" in page_text(raw)


def test_public_group_page_shows_current_guidelines_and_statement(client, world, auth):
    save(client, GUIDELINES, "## Our rules\n\nNo crosstalk.", 0)
    save(client, GUIDELINES, "## Our rules\n\nNo crosstalk. Be brief.", 1)
    save(client, "/manage/g/a-one/documents/statement", "What you hear here stays here.", 0)
    auth.logout()
    text = page_text(client.get("/g/a-one/"))
    assert re.search(r"Group guidelines Version 2, \w+ \d+ \w+ \d{4} Our rules "
                     r"No crosstalk\. Be brief\.", text)
    assert re.search(r"Confidentiality statement Version 1, \w+ \d+ \w+ \d{4} "
                     r"What you hear here stays here\.", text)
    assert '<h4>Our rules</h4>' in client.get("/g/a-one/").get_data(as_text=True)
    # A private group's page, statement and all, stays behind the login.
    assert client.get(f"/g/{world['a']['group2'].slug}/").status_code == 404


def test_a_group_without_documents_shows_no_empty_sections(client, world, auth):
    auth.logout()
    text = page_text(client.get("/g/a-one/"))
    assert "Group guidelines" not in text and "Confidentiality statement" not in text


@pytest.mark.parametrize("url", [
    "/manage/g/{private}/documents/guidelines/", "/manage/g/{private}/documents/guidelines/edit",
    "/manage/g/b-one/documents/statement/", "/manage/g/a-one/documents/minutes/",
    f"{GUIDELINES}/versions/1", f"{GUIDELINES}/versions/0", f"{GUIDELINES}/compare",
    "/manage/o/org-b/agreement/", f"{AGREEMENT}/edit", f"{AGREEMENT}/signatures",
])
def test_what_a_leader_may_not_see_is_404(client, world, url):
    assert client.get(url.format(private=world["a"]["group2"].slug)).status_code == 404


def test_compare_with_odd_choices_never_fails(client, world):
    save(client, GUIDELINES, "One", 0)
    save(client, GUIDELINES, "Two", 1)
    assert "Compare versions 1 and 2" in page_text(client.get(f"{GUIDELINES}/compare"))
    assert "Compare versions 1 and 2" in page_text(
        client.get(f"{GUIDELINES}/compare?from=abc&to=1.5"))
    assert client.get(f"{GUIDELINES}/compare?from=9&to=2").status_code == 404


# The leader agreement


def write_agreement(client, auth, world, body, based_on):
    auth.logout()
    auth.login(world["a"]["admin"])
    response = save(client, AGREEMENT, body, based_on)
    assert response.status_code == 302
    auth.logout()


def sign(client, version, name, confirm=True):
    data = {"version": version, "typed_name": name}
    if confirm:
        data["confirm"] = "y"
    return client.post(f"{AGREEMENT}/sign", data=data)


def test_agreement_life_cycle_sign_new_version_sign_again(client, world, auth, session):
    lead1, lead2 = world["a"]["lead1"], world["a"]["lead2"]
    write_agreement(client, auth, world, "I keep confidences.", 0)

    auth.login(lead1)
    dashboard = page_text(client.get("/manage/"))
    assert f"{world['a']['org'].name} asks you to sign its leader confidentiality agreement" \
        in dashboard
    page = page_text(client.get(f"{AGREEMENT}/"))
    assert "Sign version 1" in page and "I keep confidences." in page
    response = sign(client, 1, lead1.display_name.lower().replace(".", ""))
    assert response.location == f"{AGREEMENT}/?lang=en"
    assert "You signed version 1. Thank you." in page_text(client.get(f"{AGREEMENT}/"))
    assert "asks you to sign" not in page_text(client.get("/manage/"))
    # Signing twice is a no-op.
    response = sign(client, 1, lead1.display_name)
    assert "You had already signed version 1." in page_text(client.get(response.location))
    assert count(session, Signature) == 1

    status = documents.agreement_status(session, world["a"]["org"])
    assert set(status) == {lead1.id, lead2.id}
    assert status[lead1.id].signed and status[lead1.id].version == 1
    assert not status[lead2.id].signed and status[lead2.id].version is None

    auth.logout()
    auth.login(world["a"]["auditor"])
    listing = page_text(client.get(f"{AGREEMENT}/signatures"))
    assert "1 of 2 leaders have signed the current version; 1 has not." in listing
    assert f"{lead1.display_name} Signed Version 1" in listing
    assert f"{lead2.display_name} Not signed Never" in listing
    auth.logout()

    write_agreement(client, auth, world, "I keep confidences.\n\nI report breaches.", 1)
    session.expire_all()
    status = documents.agreement_status(session, world["a"]["org"])
    assert not status[lead1.id].signed and status[lead1.id].version == 1

    auth.login(lead1)
    page = page_text(client.get(f"{AGREEMENT}/"))
    assert "You signed version 1. The agreement has changed since" in page
    assert "Sign version 2" in page
    # The old version can no longer be signed.
    old = sign(client, 1, lead1.display_name)
    assert "Version 1 is no longer the current agreement." in page_text(old)
    assert re.search(r'name="version"[^>]*value="2"|value="2"[^>]*name="version"',
                     old.get_data(as_text=True))
    assert count(session, Signature) == 1
    assert sign(client, 2, lead1.display_name).status_code == 302
    session.expire_all()
    assert documents.agreement_status(session, world["a"]["org"])[lead1.id].signed
    entries = session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "signature")
                              .order_by(AuditEntry.id)).all()
    assert [e.after["version"] for e in entries] == [1, 2]


@pytest.mark.parametrize(("name", "confirm", "message"), [
    ("Somebody Else", True, "Type your name as your account has it"),
    ("", True, "Type your name."),
    (None, False, "Tick the box to confirm you have read and agree to it."),
])
def test_a_signature_needs_the_name_and_the_tick(client, world, auth, session, name, confirm,
                                                 message):
    write_agreement(client, auth, world, "I keep confidences.", 0)
    lead = world["a"]["lead1"]
    auth.login(lead)
    response = sign(client, 1, lead.display_name if name is None else name, confirm)
    assert response.status_code == 200
    assert message in page_text(response)
    assert count(session, Signature) == 0


def test_only_leaders_sign_and_only_when_there_is_something_to_sign(client, world, auth,
                                                                    session):
    auth.logout()
    auth.login(world["a"]["lead1"])
    assert "There is no leader agreement to sign yet." in page_text(
        sign(client, 1, world["a"]["lead1"].display_name))
    write_agreement(client, auth, world, "I keep confidences.", 0)
    auth.login(world["a"]["auditor"])
    assert "Only the organization's leaders sign this agreement." in page_text(
        sign(client, 1, world["a"]["auditor"].display_name))
    assert sign(client, "x", "y").status_code == 200
    assert count(session, Signature) == 0


def test_signatures_are_never_changed_or_deleted(world, session):
    org, lead = world["a"]["org"], world["a"]["lead1"]
    documents.save_version(session, None, org, DocumentKind.AGREEMENT, "Agree", based_on=0)
    documents.sign_agreement(session, lead, org, 1, lead.display_name, confirmed=True)
    session.commit()
    for statement in ("UPDATE signatures SET typed_name = 'x'", "DELETE FROM signatures"):
        with pytest.raises(DatabaseError, match="append-only"), session.begin_nested():
            session.execute(text(statement))
    assert session.scalar(select(Signature.typed_name)) == lead.display_name


def test_service_refuses_a_document_in_the_wrong_place(world, session):
    with pytest.raises(ValueError, match="belongs to a group"):
        documents.find_document(session, world["a"]["org"], DocumentKind.GUIDELINES)
    with pytest.raises(ServiceError, match="over|at most"):
        documents.save_version(session, None, world["a"]["org"], DocumentKind.AGREEMENT,
                               "x" * (MAX_BYTES + 10), based_on=0)


def test_the_audit_log_page_lists_document_changes_by_kind(client, world, auth):
    save(client, GUIDELINES, "Be kind", 0, "First rules")
    write_agreement(client, auth, world, "I keep confidences.", 0)
    auth.login(world["a"]["lead1"])
    sign(client, 1, world["a"]["lead1"].display_name)
    auth.logout()
    auth.login(world["a"]["auditor"])
    group = world["a"]["group1"].name
    versions = page_text(client.get("/audit/org-a/log?type=documentversion"))
    assert f"Group guidelines of {group} (English): version 1" in versions
    assert "Leader confidentiality agreement of Org A (English): version 1" in versions
    signatures = page_text(client.get("/audit/org-a/log?type=signature"))
    assert f"{world['a']['lead1'].display_name} signed the leader agreement, version 1" in \
        signatures
    assert "Group guidelines of" not in signatures


def test_deleting_a_group_takes_its_documents_along(client, world, auth, session,
                                                   make_meeting):
    save(client, GUIDELINES, "Be kind", 0)
    meeting = make_meeting(world["a"]["group1"])
    documents.acknowledge_statement(session, meeting, meeting.first_date, "en")
    session.commit()
    auth.logout()
    auth.login(world["a"]["admin"])
    response = client.post("/admin/org-a/groups/a-one/delete", data={"confirm": "a-one"})
    assert response.status_code == 302
    session.expire_all()
    assert count(session, DocumentVersion) == 0
    assert count(session, StatementAcknowledgement) == 0


def test_a_leader_finds_the_agreement_from_the_dashboard(client, world):
    page = client.get("/manage/").get_data(as_text=True)
    assert f'href="{AGREEMENT}/"' in page
    assert "Org A: leader confidentiality agreement" in page_text(page)


def test_an_auditor_reads_a_groups_documents_but_cannot_edit_them(client, world, auth):
    save(client, GUIDELINES, "Be kind", 0)
    auth.logout()
    auth.login(world["a"]["auditor"])
    page = page_text(client.get(f"{GUIDELINES}/"))
    assert "Be kind" in page and "Edit: make version 2" not in page
    assert "Be kind" in page_text(client.get(f"{GUIDELINES}/versions/1"))
    assert client.get(f"{GUIDELINES}/edit").status_code == 404
    assert save(client, GUIDELINES, "Be unkind", 1).status_code == 404
    # Another leader of the org who does not lead the group sees nothing.
    auth.logout()
    auth.login(world["a"]["lead2"])
    assert client.get(f"{GUIDELINES}/").status_code == 404


def test_comparing_two_long_rewrites_shows_the_first_lines_only(client, world):
    save(client, GUIDELINES, "a\n" * 20_000, 0)
    save(client, GUIDELINES, "b\n" * 20_000, 1)
    response = client.get(f"{GUIDELINES}/compare?from=1&to=2")
    assert "38000 more lines of the comparison are not shown here." in page_text(response)
    assert len(response.data) < 1_000_000
