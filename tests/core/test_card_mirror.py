"""The card-mirror rules as a pure function: examples, and a hypothesis test against a small
reference model that recomputes everything from the whole history at each step."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from cardsvc.core.card_mirror import CardAlert, CardReport, MirrorEntry, judge

UID, OTHER = "04A1B2C3", "04D5E6F7"


def report(counter: int, before: int, after: int, uid: str = UID, tx: str = "") -> CardReport:
    return CardReport(tx or f"t{uid}-{counter}", "C1", uid, counter, before, after)


def kinds(alerts: list[CardAlert]) -> list[str]:
    return [a.kind for a in alerts]


def test_a_first_tap_creates_the_mirror_entry() -> None:
    out = judge({}, set(), [report(1, 100, 60)])
    assert out.replayed == [False] and out.alerts == [] and out.to_block == {}
    assert out.mirror == {UID: MirrorEntry("C1", 1, 60)}


def test_the_next_counter_with_the_mirrored_value_is_quiet() -> None:
    out = judge({UID: MirrorEntry("C1", 5, 60)}, set(), [report(6, 60, 20)])
    assert out.alerts == [] and out.mirror[UID] == MirrorEntry("C1", 6, 20)


def test_a_journalled_counter_is_a_replay_and_blocks_the_instrument() -> None:
    out = judge({UID: MirrorEntry("C1", 5, 60)}, {(UID, 5)}, [report(5, 100, 60)])
    assert out.replayed == [True] and kinds(out.alerts) == ["replay"]
    assert list(out.to_block) == ["C1"] and out.mirror == {}
    assert dict(out.alerts[0].detail) == {"card_counter": 5}


def test_a_counter_repeated_within_the_batch_is_a_replay() -> None:
    out = judge({}, set(), [report(1, 100, 60), report(1, 100, 60, tx="again")])
    assert out.replayed == [False, True] and kinds(out.alerts) == ["replay"]


def test_a_skipped_counter_is_a_gap_and_a_late_fill_is_accepted() -> None:
    out = judge({UID: MirrorEntry("C1", 5, 60)}, set(), [report(8, 30, 10), report(6, 60, 50)])
    assert out.replayed == [False, False] and kinds(out.alerts) == ["gap"]
    assert dict(out.alerts[0].detail) == {"mirror_counter": 5, "card_counter": 8}
    assert out.mirror[UID] == MirrorEntry("C1", 8, 10)  # the late fill does not move it back


def test_a_different_value_before_is_a_divergence() -> None:
    out = judge({UID: MirrorEntry("C1", 5, 60)}, set(), [report(6, 99, 50)])
    assert kinds(out.alerts) == ["divergence"]
    assert dict(out.alerts[0].detail) == {"mirror_value": 60, "card_before": 99}


def test_cards_are_judged_apart() -> None:
    out = judge({}, {(UID, 1)}, [report(1, 9, 8, uid=OTHER), report(1, 9, 8)])
    assert out.replayed == [False, True] and set(out.mirror) == {OTHER}


# --- against a reference model ---------------------------------------------------------------


@dataclass(frozen=True)
class Seen:
    counter: int
    value: int


def model_step(
    initial: dict[str, MirrorEntry],
    journalled: set[tuple[str, int]],
    accepted: list[CardReport],
    r: CardReport,
) -> tuple[bool, list[str]]:
    """Whether `r` is a replay, and its alerts, recomputed from the whole history."""
    history = [a for a in accepted if a.uid == r.uid]
    if (r.uid, r.counter) in journalled or any(a.counter == r.counter for a in history):
        return True, ["replay"]
    known = [Seen(initial[r.uid].counter, initial[r.uid].value)] if r.uid in initial else []
    known += [Seen(a.counter, a.after) for a in history]
    if not known:
        return False, []
    top = max(known, key=lambda s: s.counter)  # the first on a tie: the mirror moves up only
    if r.counter > top.counter + 1:
        return False, ["gap"]
    if r.counter == top.counter + 1 and r.before != top.value:
        return False, ["divergence"]
    return False, []


reports = st.lists(
    st.builds(
        report,
        counter=st.integers(0, 12),
        before=st.integers(0, 3),
        after=st.integers(0, 3),
        uid=st.sampled_from([UID, OTHER]),
    ),
    max_size=30,
)
mirrors = st.dictionaries(
    st.sampled_from([UID, OTHER]),
    st.builds(MirrorEntry, st.just("C1"), st.integers(0, 8), st.integers(0, 3)),
)
journals = st.sets(st.tuples(st.sampled_from([UID, OTHER]), st.integers(0, 12)), max_size=6)


@settings(max_examples=400, deadline=None)
@given(mirror=mirrors, journalled=journals, batch=reports)
def test_judge_agrees_with_the_reference_model(
    mirror: dict[str, MirrorEntry], journalled: set[tuple[str, int]], batch: list[CardReport]
) -> None:
    out = judge(mirror, journalled, batch)
    accepted: list[CardReport] = []
    expected_alerts: list[str] = []
    for r, replayed in zip(batch, out.replayed, strict=True):
        want_replay, alerts = model_step(mirror, journalled, accepted, r)
        assert replayed == want_replay, r
        expected_alerts += alerts
        if not replayed:
            accepted.append(r)
    assert kinds(out.alerts) == expected_alerts
    assert list(out.to_block) == (["C1"] if any(out.replayed) else [])
    for uid in {r.uid for r in accepted}:  # the mirror follows the highest accepted counter
        top = max((r for r in accepted if r.uid == uid), key=lambda r: r.counter)
        if uid in mirror and mirror[uid].counter >= top.counter:
            assert uid not in out.mirror
        else:
            assert out.mirror[uid] == MirrorEntry("C1", top.counter, top.after)
