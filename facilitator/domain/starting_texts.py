"""Starting points for a group's first guidelines and statement, and an org's first
leader agreement, in our own words. A facilitator picks one and edits from there."""

from __future__ import annotations

from dataclasses import dataclass

from facilitator.domain.languages import N_


@dataclass(frozen=True)
class StartingText:
    key: str
    label: str
    text: str


TWELVE_STEP_GUIDELINES = """\
# Our group's guidelines

We meet to share our experience, strength and hope with one another, so that we
may stay sober and help others who still suffer.

## When we share

- **Speak from your own experience.** Use "I", not "you" or "we".
- **No crosstalk.** We do not comment on, question or correct what another person
  shared, during the meeting or after it.
- **Keep it brief** so that everyone who wants to share has time.
- **One person speaks at a time.** You may always pass.

## Anonymity

- **Who you see here, what is said here, let it stay here.**
- We use first names only. We do not name, photograph or record anyone.
- Online: keep your camera as you wish, and do not record or screenshot the meeting.

## Respect

- Come to meetings sober, or come anyway and listen.
- No selling, recruiting, or talk about outside causes or politics.
- Silence your phone; step out for calls.

Newcomers are the most important people in the room. Welcome.
"""

SMART_GUIDELINES = """\
# Meeting guidelines

This is a SMART Recovery meeting: self-empowering, science-based mutual help.

## How we work together

- **Stay on topic.** We talk about our own change: urges, plans, tools and progress.
- **No advice-giving.** We ask questions and offer tools; each person decides what
  fits their own life.
- **No lengthy statements.** Keep check-ins short so the whole group has a turn.
- **Speak for yourself.** Use "I" statements.
- **Respect different paths.** Medication, other programs and moderation goals are
  personal decisions; we do not judge them.
- **Come sober**, and if you have used, you are still welcome to listen.

## Confidentiality

What is said in the meeting stays in the meeting. Do not record, photograph or
repeat what others share. The facilitator may break confidentiality only where the
law requires it, to keep someone safe.

## The facilitator

The facilitator keeps time and keeps the meeting on topic, and may gently
interrupt to do so.
"""

CELEBRATE_GUIDELINES = """\
# Small group guidelines

Our small group is a safe place to be honest. We keep it that way together.

1. **Talk about yourself.** Share your own struggles, feelings and hopes, and keep
   it to a few minutes so others have their turn.
2. **Talk to the group, not across it.** We do not answer, question or comment on
   one another's sharing.
3. **Support, don't fix.** We listen and pray for one another; we do not hand out
   solutions.
4. **What is shared here stays here.** We keep each other's names and stories to
   ourselves. A leader will only speak up if someone is in danger of harming
   themselves or someone else.
5. **Watch your words.** We keep our language respectful, as fits a Christ-centred
   group.

In open share groups, men meet with men and women with women.
"""

SECULAR_GUIDELINES = """\
# Group guidelines

This group is a place for anyone who wants support in recovery, whatever their
beliefs or path.

- **Confidentiality.** What is shared here stays here. No names, photos or
  recordings.
- **Speak for yourself.** Share your own experience rather than telling others
  what to do.
- **Listen without interrupting**, and without commenting on others' shares.
- **Share the time** so everyone who wants to speak can.
- **Respect everyone**, whatever their background, identity, beliefs or way of
  recovering.
- **Passing is always fine.**
- **Come sober if you can**, and if not, come to listen.

If you need help outside the meeting, ask the facilitator for local resources.
"""

TWELVE_STEP_STATEMENT = """\
**Anonymity.** This is an anonymous meeting. Who you see here and what you hear
here stays here when you leave.

We ask that no one name, photograph, record or post about anyone at this meeting,
and that what is shared is not repeated outside it.
"""

GENERAL_STATEMENT = """\
**Confidentiality.** Everything shared in this meeting is confidential. Please do
not repeat who was here or what anyone said, and do not record, photograph or
post about the meeting.

The facilitator will only break confidentiality where the law requires it, or to
keep someone from serious harm.
"""

LEADER_AGREEMENT = """\
# Leader confidentiality agreement

As a leader of a peer support group hosted by this organization, I agree that:

1. I will keep confidential the identity of every person who attends, and
   everything they share, during and after my time as a leader.
2. I will not name, photograph or record members, and will not keep lists of
   who attended.
3. I will keep private meeting places and links only where the organization's
   tools keep them, and share them only with people joining the group.
4. I will break confidentiality only where the law requires it, or when a
   person is at serious risk of harm, and then I will tell the organization.
5. I will tell the organization at once if I learn that confidential
   information has been shared by mistake.
"""

GUIDELINES = (
    StartingText("twelve-step", N_("12-step style"), TWELVE_STEP_GUIDELINES),
    StartingText("smart", N_("SMART Recovery style"), SMART_GUIDELINES),
    StartingText("celebrate", N_("Celebrate Recovery style small-group rules"),
                 CELEBRATE_GUIDELINES),
    StartingText("secular", N_("Secular / general"), SECULAR_GUIDELINES),
)
STATEMENTS = (
    StartingText("twelve-step", N_("12-step style anonymity statement"), TWELVE_STEP_STATEMENT),
    StartingText("general", N_("General confidentiality statement"), GENERAL_STATEMENT),
)
AGREEMENTS = (StartingText("leader", N_("Leader confidentiality agreement"), LEADER_AGREEMENT),)

#: Programs whose groups start from the 12-step texts, SMART's or Celebrate Recovery's.
_TWELVE_STEP = {"aa", "na", "ca", "al-anon"}


def suggested_key(program: str) -> str:
    """The starting point that best fits a group's program (a Program value)."""
    if program in _TWELVE_STEP:
        return "twelve-step"
    if program in ("smart", "celebrate"):
        return program
    return "secular"


def starting_points(kind: str, program: str | None) -> tuple[tuple[StartingText, ...], str]:
    """The starting texts for a kind of document ("guidelines", "statement" or
    "agreement") and the key of the one that fits the group's program best."""
    if kind == "guidelines":
        return GUIDELINES, suggested_key(program or "")
    if kind == "statement":
        return STATEMENTS, "twelve-step" if program in _TWELVE_STEP else "general"
    return AGREEMENTS, "leader"
