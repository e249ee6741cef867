"""Bench of the batch matching (`matching.assign`), without a database.

(a) Scale: 100,000 needs and 20,000 members of a city with 5 counties of 20 townships:
    seconds, assigned, unmatched by reason, and the highest load against capacity.
(b) Quality: on 1,500 needs and 500 members, the optimum total score (every member's
    capacity expanded into slots, slot t costing the load penalty of t earlier needs) by
    scipy's `linear_sum_assignment`, against our greedy total.

Synthetic but shaped like the register: most members sit in one county, a tenth sit on the
city committee (eligible everywhere, no home bonus); each has a main line of work that fits
one or two kinds; some pledged; capacities from pledges, else the default. Seeded."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import numpy as np

from lvzhi.assistance.matching import (
    COUNTY_POINTS,
    KINDS,
    LOAD_PENALTY,
    LOAD_PENALTY_CAP,
    PLEDGE_POINTS,
    SECTOR_POINTS,
    TOWNSHIP_POINTS,
    MemberRow,
    NeedRow,
    assign,
)

COUNTIES = 5
TOWNSHIPS = 20  # per county
CITY_SHARE = 0.1
SEED = 20181120
# How often each kind is asked for (助学 and 产业 dominate the registers).
KIND_WEIGHTS = np.array([0.22, 0.14, 0.2, 0.14, 0.08, 0.08, 0.08, 0.06])


def synthetic(n_needs: int, n_members: int, seed: int = SEED) -> tuple[list[NeedRow], list[MemberRow]]:
    rng = np.random.default_rng(seed)
    n_kinds = len(KINDS)
    weights = KIND_WEIGHTS / KIND_WEIGHTS.sum()
    areas = rng.integers(0, COUNTIES, n_needs)
    towns = areas * TOWNSHIPS + rng.integers(0, TOWNSHIPS, n_needs)
    kinds = rng.choice(n_kinds, n_needs, p=weights)
    urgency = rng.choice([1, 2, 3], n_needs, p=[0.3, 0.5, 0.2])
    needs = [NeedRow(j, int(areas[j]), int(towns[j]), int(kinds[j]), int(urgency[j])) for j in range(n_needs)]

    city = rng.random(n_members) < CITY_SHARE
    home = rng.integers(0, COUNTIES, n_members)
    town = home * TOWNSHIPS + rng.integers(0, TOWNSHIPS, n_members)
    main = rng.choice(n_kinds, n_members, p=weights)
    second = rng.choice(n_kinds, n_members)
    field_points = rng.choice([40, 30, 25], n_members, p=[0.5, 0.3, 0.2])
    has_second = rng.random(n_members) < 0.35
    in_sector = rng.random(n_members) < 0.5
    pledged = rng.random(n_members) < 0.4
    pledge_caps = rng.integers(1, 6, n_members)
    load = rng.choice([0, 0, 0, 1, 2], n_members)
    members = []
    all_areas = tuple(range(COUNTIES))
    for i in range(n_members):
        fit = [0] * n_kinds
        fit[main[i]] += int(field_points[i]) + (SECTOR_POINTS if in_sector[i] else 0)
        if has_second[i]:
            fit[second[i]] = max(fit[second[i]], 25)
        if pledged[i]:
            fit[main[i]] += PLEDGE_POINTS
        capacity = int(pledge_caps[i]) if pledged[i] else 3
        if city[i]:
            members.append(MemberRow(i, tuple(fit), (), all_areas, (), int(load[i]), capacity))
        else:
            members.append(
                MemberRow(i, tuple(fit), (int(home[i]),), (int(home[i]),), (int(town[i]),), int(load[i]), capacity)
            )
    return needs, members


def _optimum(needs: list[NeedRow], members: list[MemberRow]) -> tuple[int, int]:
    """(optimum total score, pairs assigned) by the Hungarian method over capacity slots."""
    from scipy.optimize import linear_sum_assignment

    kinds = np.array([n.kind for n in needs])
    areas = np.array([n.area for n in needs])
    towns = np.array([n.township for n in needs])
    columns = []
    for m in members:
        fit = np.array(m.fit)[kinds]
        eligible = (fit > 0) & np.isin(areas, m.areas)
        bonus = np.where(
            np.isin(towns, m.townships), TOWNSHIP_POINTS, np.where(np.isin(areas, m.home_areas), COUNTY_POINTS, 0)
        )
        base = fit + bonus
        for t in range(max(0, m.capacity - m.load)):
            penalty = min(LOAD_PENALTY * (m.load + t), LOAD_PENALTY_CAP)
            # +1 marks an allowed pair so a zero-score pair still counts as assigned
            columns.append(np.where(eligible, np.clip(base - penalty, 0, 100) + 1, 0))
    matrix = np.stack(columns, axis=1)
    rows, cols = linear_sum_assignment(matrix, maximize=True)
    values = matrix[rows, cols]
    used = values > 0
    return int((values[used] - 1).sum()), int(used.sum())


def bench_matching() -> dict[str, Any]:
    needs, members = synthetic(100_000, 20_000)
    started = time.perf_counter()
    result = assign(needs, members)
    seconds = time.perf_counter() - started
    taken = Counter(a.member for a in result.assigned)
    over = sum(1 for m in members if m.load + taken[m.id] > max(m.capacity, m.load))
    max_ratio = max((m.load + taken[m.id]) / m.capacity for m in members if taken[m.id])
    large = {
        "needs": len(needs),
        "members": len(members),
        "seconds": round(seconds, 3),
        "assigned": len(result.assigned),
        "unmatched": len(result.unmatched),
        "unmatched_by_reason": dict(Counter(reason for _, reason in result.unmatched)),
        "total_capacity_left": sum(max(0, m.capacity - m.load) for m in members),
        "max_load": max(m.load + taken[m.id] for m in members),
        "max_load_over_capacity": round(max_ratio, 3),
        "members_over_capacity": over,
        "mean_score": round(result.total / max(1, len(result.assigned)), 2),
    }

    small_needs, small_members = synthetic(1_500, 500, seed=SEED + 1)
    started = time.perf_counter()
    small = assign(small_needs, small_members)
    greedy_seconds = time.perf_counter() - started
    started = time.perf_counter()
    optimum, optimum_pairs = _optimum(small_needs, small_members)
    optimum_seconds = time.perf_counter() - started
    quality = {
        "needs": len(small_needs),
        "members": len(small_members),
        "slots": sum(max(0, m.capacity - m.load) for m in small_members),
        "greedy_total": small.total,
        "greedy_assigned": len(small.assigned),
        "greedy_seconds": round(greedy_seconds, 4),
        "optimum_total": optimum,
        "optimum_assigned": optimum_pairs,
        "optimum_seconds": round(optimum_seconds, 3),
        "ratio": round(small.total / optimum, 4) if optimum else 1.0,
    }
    return {"large": large, "quality": quality}
