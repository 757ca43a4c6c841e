"""The scheduler: a week plan -> seven days of sessions (and the article's timing rules for lifting)."""

import math

import numpy as np

from sim import parameters as P
from sim import state as S
from sim._jit import njit

# Scheduling conventions (coaching practice, not physiology): long run on day 7, key runs
# on days 2/4/6, easy runs first on days 3/5/1/6; key sessions take 16% of the week.
KEY_SHARE = 0.16
KEY_MIN_KM = 3.0
EASY_TARGET_MIN_KM = 6.0
EASY_TARGET_SHARE = 0.15
EASY_MIN_KM = 2.0
KEY_DAYS = (1, 3, 5)
EASY_ORDER = (2, 4, 0, 5, 1, 3, 6)


def _is_key(kind):
    return kind == S.RUN_LONG or kind == S.RUN_TEMPO or kind == S.RUN_INTERVALS or kind == S.RUN_RACE


@njit(error_model='numpy', cache=True, inline='always')
def is_hard_lift(emphasis, effort):
    """Hard lifting in the article's sense: heavy work at moderate or hard effort, or any
    lifting to failure (mirrors `experiments.plans.rules.is_hard_lift`)."""
    if emphasis == S.EMPH_NONE:
        return False
    return effort == S.EFFORT_HARD or (emphasis == S.EMPH_HEAVY and effort == S.EFFORT_MODERATE)


@njit(error_model='numpy', cache=True, inline='always')
def lighter_effort(emphasis):
    """The hardest effort that is not hard lifting for `emphasis` (heavy: easy; else moderate)."""
    return S.EFFORT_EASY if emphasis == S.EMPH_HEAVY else S.EFFORT_MODERATE


RULE_BREAK = -50.0  # score of a day where hard lifting would break one of the article's rules


def _place_rule(kind, nxt, last_day, placement, hard):
    """How well a day suits a strength session under `placement` (higher is better): the day's run
    `kind`, the next day's `nxt` (RUN_REST after day 7), whether it is day 7, and whether the session
    is `hard`.

    after_easy / separate_day follow the article's timing rules: hard lifting (`hard`) never
    goes on a key-run day, the day before a key or long run, or day 7 (it would sit next to
    the following week's day 1): those days score RULE_BREAK. Lighter lifting may follow the
    day's key session (the article's FAQ exception). before_key is the article's mistake 3.
    """
    if kind == S.RUN_RACE or nxt == S.RUN_RACE:
        return -100.0
    key_today = _is_key(kind)
    before_key = _is_key(nxt)
    rest = kind == S.RUN_REST
    if placement == S.PLACE_BEFORE_KEY:
        if before_key and not key_today:
            return 10.0
        return 0.0 if key_today else 2.0
    if hard and (key_today or before_key or last_day):
        return RULE_BREAK
    if key_today:
        # After the day's key session ("hard days hard"), at most moderate lifting.
        return 1.0 if before_key else 4.0
    if placement == S.PLACE_SEPARATE_DAY:
        if rest:
            return 3.0 if before_key else 10.0
        return 2.0 if before_key else 6.0
    # after_easy
    if rest:
        return 2.0 if before_key else 7.0
    return 3.0 if before_key else 10.0


N_RUN_KINDS = len(S.RUN_KINDS)
N_PLACEMENTS = 3
# `_place_rule` for every (kind, next kind, day 7, placement, hard): the scheduler reads the rule from this
# table (one load instead of a dozen branches; it was a third of the scheduler's first compile).
PLACE_SCORES = np.array([[[[[_place_rule(kind, nxt, last, placement, hard) for hard in (False, True)]
                            for placement in range(N_PLACEMENTS)] for last in (False, True)]
                          for nxt in range(N_RUN_KINDS)] for kind in range(N_RUN_KINDS)])


@njit(error_model='numpy', cache=True, inline='always')
def _place_score(days, d, placement, hard):
    """`_place_rule` of day `d` of `days` (placement: 0-2)."""
    nxt = int(days[d + 1, S.D_RUN_KIND]) if d < 6 else S.RUN_REST
    return PLACE_SCORES[int(days[d, S.D_RUN_KIND]), nxt, int(d == 6), placement, int(hard)]


@njit(error_model='numpy', cache=True, inline='always')
def _best_day(days, placement, hard, chosen, hard_days):
    """(day, score) of the best free day for one more session; adjacent strength days cost 4,
    and under the rule-keeping placements hard lifting next to hard lifting is a RULE_BREAK."""
    best = -1
    best_score = -1.0e9
    for d in range(7):
        if (chosen >> d) & 1:
            continue
        score = _place_score(days, d, placement, hard)
        if d > 0 and (chosen >> (d - 1)) & 1:
            score -= 4.0
        if d < 6 and (chosen >> (d + 1)) & 1:
            score -= 4.0
        if hard and placement != S.PLACE_BEFORE_KEY and score > RULE_BREAK:
            if (d > 0 and (hard_days >> (d - 1)) & 1) or (d < 6 and (hard_days >> (d + 1)) & 1):
                score = RULE_BREAK
        if score > best_score:
            best_score = score
            best = d
    return best, best_score


@njit(error_model='numpy', cache=True, inline='always')
def default_sets(gp, emphasis):
    if emphasis == S.EMPH_HEAVY:
        return gp[P.SETS_HEAVY]
    if emphasis == S.EMPH_POWER:
        return gp[P.SETS_POWER]
    if emphasis == S.EMPH_MAINTENANCE:
        return gp[P.SETS_MAINTENANCE]
    return gp[P.SETS_TONING]


@njit(error_model='numpy', cache=True)
def schedule_week(plan, ath, gp, days):
    """Turn one week plan (PLAN_SIZE) into seven days (7 x DAY_SIZE), in place.

    Volume is resolved against the athlete's habitual km when the plan is relative. The race
    (plan[P_RACE]) takes day 7 and replaces the long run. Strength sessions go to the best-
    scoring days for the placement rule, spread apart (adjacent days are penalised). Under
    after_easy/separate_day, hard lifting keeps the article's timing rules (not on or before a
    key/long run day, not on day 7, never on consecutive days); a hard session with no such day
    left is lightened to `lighter_effort` (the days' D_STR_EFFORT then differs from the plan's).
    """
    for d in range(7):
        for f in range(S.DAY_SIZE):
            days[d, f] = 0.0
    week_km = plan[S.P_RUN_KM] * ath[S.A_HABITUAL_KM] if plan[S.P_RUN_IS_REL] > 0.5 else plan[S.P_RUN_KM]
    week_km = max(week_km, 0.0)
    long_km = plan[S.P_LONG_KM] * week_km if plan[S.P_LONG_IS_REL] > 0.5 else plan[S.P_LONG_KM]
    n_key = min(max(int(plan[S.P_KEY_RUNS] + 0.5), 0), 3)
    remaining = week_km
    if plan[S.P_RACE] > 0.5:
        days[6, S.D_RUN_KIND] = S.RUN_RACE
        days[6, S.D_RUN_KM] = ath[S.A_RACE_KM]
        remaining = max(remaining - ath[S.A_RACE_KM], 0.0)
        n_key = min(n_key, 2)
    elif long_km > 0.0 and remaining > 0.0:
        long_km = min(long_km, remaining)
        days[6, S.D_RUN_KIND] = S.RUN_LONG
        days[6, S.D_RUN_KM] = long_km
        remaining -= long_km
    if n_key > 0 and remaining > KEY_MIN_KM:
        key_km = min(max(KEY_SHARE * week_km, KEY_MIN_KM), remaining / n_key)
        kind = int(plan[S.P_KEY_KIND])
        if kind != S.RUN_INTERVALS:
            kind = S.RUN_TEMPO
        for i in range(n_key):
            d = KEY_DAYS[i]
            days[d, S.D_RUN_KIND] = kind
            days[d, S.D_RUN_KM] = key_km
            remaining -= key_km
            kind = S.RUN_TEMPO if kind == S.RUN_INTERVALS else S.RUN_INTERVALS
    if remaining >= EASY_MIN_KM:
        free = 0
        for d in range(7):
            if days[d, S.D_RUN_KIND] == S.RUN_REST:
                free += 1
        target = max(EASY_TARGET_MIN_KM, EASY_TARGET_SHARE * week_km)
        n_easy = min(max(int(math.ceil(remaining / target)), 1), free)
        if n_easy > 0:
            per = remaining / n_easy
            placed = 0
            for i in range(7):
                d = EASY_ORDER[i]
                if placed < n_easy and days[d, S.D_RUN_KIND] == S.RUN_REST:
                    days[d, S.D_RUN_KIND] = S.RUN_EASY
                    days[d, S.D_RUN_KM] = per
                    placed += 1
    # strength
    emphasis = int(plan[S.P_EMPHASIS])
    n_str = min(max(int(plan[S.P_STR_SESSIONS] + 0.5), 0), 3)
    if emphasis == S.EMPH_NONE:
        n_str = 0
    sets = plan[S.P_SETS] if plan[S.P_SETS] > 0.0 else default_sets(gp, emphasis)
    placement = int(plan[S.P_PLACEMENT])
    if placement != S.PLACE_SEPARATE_DAY and placement != S.PLACE_BEFORE_KEY:
        placement = S.PLACE_AFTER_EASY  # the rule's reading of any other code
    effort = int(plan[S.P_EFFORT])
    chosen = 0
    hard_days = 0
    for _ in range(n_str):
        e = effort
        hard = is_hard_lift(emphasis, e)
        for _attempt in range(2):  # one call site of the inlined _best_day (compile time)
            best, best_score = _best_day(days, placement, hard, chosen, hard_days)
            if not (hard and placement != S.PLACE_BEFORE_KEY and best_score <= RULE_BREAK):
                break
            # No day keeps the rules for hard lifting: the session is lightened (the article's
            # "light to moderate strength session later in the day") and placed as such.
            e = lighter_effort(emphasis)
            hard = False
        chosen |= 1 << best
        if hard:
            hard_days |= 1 << best
        days[best, S.D_STR_EMPHASIS] = emphasis
        days[best, S.D_STR_EFFORT] = e
        days[best, S.D_STR_SETS] = sets
        days[best, S.D_STR_AFTER_RUN] = 0.0 if days[best, S.D_RUN_KIND] == S.RUN_REST else 1.0
