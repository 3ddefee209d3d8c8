import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from makemore_tui.series import Series, ema, envelope, finite_points, log10_points, smoothing_span


def test_small_history_is_kept_point_by_point():
    s = Series(capacity=8)
    s.extend(0, [3.0, 2.0, 1.0])
    v = s.view(100)
    assert v.x == [0, 1, 2]
    assert v.mean == [3.0, 2.0, 1.0]
    assert s.count == 3 and s.last == 1.0 and s.last_x == 2


def test_history_stays_bounded_and_uniform():
    s = Series(capacity=16)
    for start in range(0, 100_000, 1000):
        s.extend(start, [float(i) for i in range(start, start + 1000)])
    assert len(s) <= 16
    assert s.count == 100_000
    # every full bucket covers the same number of steps
    assert s.width >= 100_000 / 16
    v = s.view(1000)
    assert all(n == s.width for n in v.n[:-1])
    # a linear ramp's bucket means sit on the ramp
    for x, m in zip(v.x, v.mean):
        assert m == pytest.approx(x, abs=0.5)
    assert s.x_range == (0, 99_999)


def test_view_groups_to_at_most_max_points_and_keeps_totals():
    s = Series(capacity=64)
    s.extend(0, [float(i % 7) for i in range(1000)])
    v = s.view(10)
    assert len(v) <= 10
    assert sum(v.n) == 1000
    total = sum(m * n for m, n in zip(v.mean, v.n))
    assert total == pytest.approx(sum(float(i % 7) for i in range(1000)))
    assert min(v.lo) == 0.0 and max(v.hi) == 6.0


def test_extend_and_append_agree():
    a, b = Series(capacity=8), Series(capacity=8)
    ys = [math.sin(i) for i in range(123)]
    a.extend(5, ys)
    for i, y in enumerate(ys):
        b.append(5 + i, y)
    va, vb = a.view(50), b.view(50)
    assert va.x == vb.x and va.n == vb.n
    assert va.mean == pytest.approx(vb.mean)


def test_non_finite_values_are_counted_but_not_averaged():
    s = Series(capacity=8)
    s.extend(0, [1.0, math.nan, 3.0, math.inf])
    assert s.nonfinite == 2 and s.count == 4
    assert math.isinf(s.last)
    v = s.view(1)
    assert v.mean == [2.0] and v.lo == [1.0] and v.hi == [3.0] and v.n == [4]
    s2 = Series(capacity=8)
    s2.extend(0, [math.nan, math.nan])
    v2 = s2.view(1)
    assert math.isnan(v2.mean[0]) and math.isnan(v2.lo[0])
    assert envelope(v2) == ([], [])


def test_capacity_must_be_even_and_not_tiny():
    with pytest.raises(ValueError):
        Series(capacity=3)
    with pytest.raises(ValueError):
        Series(capacity=7)


def test_ema_of_a_constant_is_that_constant_from_the_first_point():
    s = Series()
    s.extend(0, [2.5] * 50)
    assert ema(s.view(20), span=10) == pytest.approx([2.5] * len(s.view(20)))


def test_ema_lags_a_step_change_and_converges():
    s = Series()
    s.extend(0, [1.0] * 100 + [3.0] * 100)
    sm = ema(s.view(1000), span=10)
    assert sm[99] == pytest.approx(1.0)
    assert 1.0 < sm[101] < 3.0
    assert sm[-1] == pytest.approx(3.0, abs=1e-6)


def test_ema_skips_groups_without_finite_values():
    s = Series()
    s.extend(0, [math.nan, 2.0, math.nan, 2.0])
    sm = ema(s.view(10), span=4)
    assert math.isnan(sm[0])
    assert sm[1:] == pytest.approx([2.0, 2.0, 2.0])


def test_envelope_has_min_and_max_per_group():
    s = Series()
    s.extend(0, [1.0, 5.0, 2.0, 2.0])
    xs, ys = envelope(s.view(2))
    assert ys == [1.0, 5.0, 2.0]  # second group is flat: one point
    assert xs == [0.5, 0.5, 2.5]


def test_log10_drops_what_has_no_logarithm():
    xs, ys = log10_points([0, 1, 2, 3, 4], [100.0, 0.0, -1.0, math.nan, 0.1])
    assert xs == [0, 4]
    assert ys == pytest.approx([2.0, -1.0])
    assert finite_points([0, 1, 2], [1.0, math.inf, None]) == ([0], [1.0])


def test_smoothing_span_grows_with_the_curve():
    assert smoothing_span(10) == 10
    assert smoothing_span(40_000) == 1000


@settings(max_examples=60, deadline=None)
@given(
    chunks=st.lists(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=200), min_size=1, max_size=20),
    capacity=st.sampled_from([4, 6, 16]),
    max_points=st.integers(1, 50),
)
def test_any_sequence_keeps_counts_sums_and_bounds(chunks, capacity, max_points):
    s = Series(capacity=capacity)
    x = 0
    for c in chunks:
        s.extend(x, c)
        x += len(c)
    flat = [y for c in chunks for y in c]
    assert len(s) <= capacity
    v = s.view(max_points)
    assert len(v) <= max_points
    assert sum(v.n) == len(flat) == s.count
    assert min(v.lo) == min(flat) and max(v.hi) == max(flat)
    assert sum(m * n for m, n in zip(v.mean, v.n)) == pytest.approx(math.fsum(flat), rel=1e-9, abs=1e-3)
    assert v.x == sorted(v.x)
    assert v.x[0] >= 0 and v.x[-1] <= len(flat) - 1


@settings(max_examples=60, deadline=None)
@given(
    ys=st.lists(st.one_of(st.floats(-100, 100), st.just(math.nan)), min_size=1, max_size=400),
    cuts=st.lists(st.integers(1, 150), min_size=1, max_size=10),
    capacity=st.sampled_from([4, 8, 32]),
)
def test_extend_in_any_batches_equals_one_point_at_a_time(ys, cuts, capacity):
    one, batched = Series(capacity), Series(capacity)
    for i, y in enumerate(ys):
        one.append(i, y)
    i = k = 0
    while i < len(ys):
        n = cuts[k % len(cuts)]
        batched.extend(i, ys[i : i + n])
        i += n
        k += 1
    a, b = one.view(10_000), batched.view(10_000)
    assert a.x == b.x and a.n == b.n
    assert a.mean == pytest.approx(b.mean, nan_ok=True)
    assert a.lo == pytest.approx(b.lo, nan_ok=True) and a.hi == pytest.approx(b.hi, nan_ok=True)
    assert (one.count, one.nonfinite, one.width) == (batched.count, batched.nonfinite, batched.width)
    assert one.last_x == batched.last_x
