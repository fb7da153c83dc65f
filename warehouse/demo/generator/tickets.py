"""Tickets, their event histories, CSAT responses and QA reviews, vectorised with numpy.

Each ticket follows one lifecycle with optional steps (the "slots" below, in time order).
Times are laid out on the ticket's SLA clocks (calendar or business minutes, DESIGN s4)
so that first responses and resolutions mostly meet the policy targets and sometimes
breach them; waiting on the customer (pending) and solved periods pause the resolution
clock. Every step is drawn for all tickets at once; a step missing for a ticket is NaN.
Events later than the extract's end are dropped, and the ticket row's current fields are
the state its remaining events imply.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from warehouse.demo.generator.common import (
    DAY,
    BusinessClock,
    clock_at,
    instant_at,
    nullable,
    ts_expr,
)
from warehouse.demo.generator.org import GROUPS, PRIORITIES, Accounts, Engineers

CHANNELS = ("email", "chat", "phone", "web", "console", "api", "monitoring", "bot")
CH_EMAIL, CH_CHAT, CH_PHONE, CH_WEB, CH_CONSOLE, CH_API, CH_MON, CH_BOT = range(8)
STATUSES = ("new", "open", "pending", "on_hold", "solved", "closed")
S_NEW, S_OPEN, S_PENDING, S_HOLD, S_SOLVED, S_CLOSED = range(6)
TYPES = ("incident", "problem", "question", "task", "feature_request")
AREAS = (
    "compute",
    "storage",
    "database",
    "networking",
    "kubernetes",
    "security",
    "billing",
    "other",
)
ROLES = ("customer", "agent", "bot", "system")
R_CUSTOMER, R_AGENT, R_BOT, R_SYSTEM = range(4)
EVENT_TYPES = (
    "created",
    "status_changed",
    "comment",
    "assigned",
    "group_changed",
    "priority_changed",
)
E_CREATED, E_STATUS, E_COMMENT, E_ASSIGNED, E_GROUP, E_PRIORITY = range(6)

# Vocabulary for from_value / to_value codes: statuses, priorities, groups, then engineers.
V_STATUS, V_PRIO, V_GROUP, V_ENG = 0, len(STATUSES), len(STATUSES) + 4, len(STATUSES) + 8

# SLA policy (DESIGN s4), minutes; business clock where the policy says business days.
# Rows premium, professional, standard, free (free: no SLA, best effort ~1.5x standard).
T_FR = np.array(
    [[15, 60, 240, 480], [60, 120, 480, 540], [240, 240, 540, 1080], [360, 360, 810, 1620]], float
)
B_FR = np.array([[0, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 1], [0, 0, 1, 1]], bool)
T_RES = np.array(
    [[120, 240, 480, 1080], [240, 480, 540, 1620], [480, 540, 1080, 2700], [720, 810, 1620, 4050]],
    float,
)
B_RES = np.array([[0, 0, 0, 1], [0, 0, 1, 1], [0, 1, 1, 1], [0, 1, 1, 1]], bool)

PRIO_P = np.array(
    [
        [0.08, 0.22, 0.45, 0.25],
        [0.05, 0.18, 0.47, 0.30],
        [0.03, 0.14, 0.48, 0.35],
        [0.01, 0.08, 0.46, 0.45],
    ]
)
MON_PRIO_P = np.array([0.25, 0.45, 0.25, 0.05])
TYPE_P = np.array([0.32, 0.10, 0.36, 0.13, 0.09])
AREA_P = np.array([0.24, 0.12, 0.14, 0.12, 0.14, 0.06, 0.10, 0.08])
OTHER_CH = np.array([CH_EMAIL, CH_CHAT, CH_PHONE, CH_WEB, CH_CONSOLE, CH_API])
OTHER_CH_P = np.array([0.30, 0.21, 0.07, 0.20, 0.15, 0.07])
TIER_BREACH = np.array([0.45, 0.8, 1.0, 1.6])

SUBJECTS = {
    "compute": (
        ("Виртуальная машина не запускается", "VM fails to start"),
        ("Высокая загрузка CPU на инстансе", "High CPU on instance"),
        ("Не удаётся изменить тип ВМ", "Cannot resize VM"),
        ("Ошибка при создании снапшота", "Snapshot creation fails"),
    ),
    "storage": (
        ("Низкая скорость диска", "Slow disk throughput"),
        ("Не монтируется том", "Volume does not attach"),
        ("Ошибка доступа к бакету S3", "S3 bucket access denied"),
        ("Пропали объекты в хранилище", "Objects missing in storage"),
    ),
    "database": (
        ("Реплика PostgreSQL отстаёт", "PostgreSQL replica lag"),
        ("Не удаётся подключиться к БД", "Cannot connect to database"),
        ("Бэкап базы не выполнен", "Database backup failed"),
        ("Медленные запросы в MySQL", "Slow MySQL queries"),
    ),
    "networking": (
        ("Нет доступа к внешнему IP", "External IP unreachable"),
        ("Проблема с балансировщиком", "Load balancer issue"),
        ("VPN-туннель разрывается", "VPN tunnel drops"),
        ("Потери пакетов между зонами", "Packet loss between zones"),
    ),
    "kubernetes": (
        ("Поды в статусе CrashLoopBackOff", "Pods in CrashLoopBackOff"),
        ("Не обновляется кластер Kubernetes", "Kubernetes cluster upgrade stuck"),
        ("Ingress не отвечает", "Ingress not responding"),
        ("Автомасштабирование узлов не работает", "Node autoscaling not working"),
    ),
    "security": (
        ("Подозрительная активность в проекте", "Suspicious activity in project"),
        ("Настройка ролей IAM", "IAM role setup"),
        ("Сертификат истёк", "Certificate expired"),
        ("Запрос на аудит доступа", "Access audit request"),
    ),
    "billing": (
        ("Вопрос по счёту за месяц", "Question about monthly invoice"),
        ("Неверное списание", "Incorrect charge"),
        ("Смена платёжных реквизитов", "Change billing details"),
        ("Закрывающие документы", "Closing documents request"),
    ),
    "other": (
        ("Консультация по архитектуре", "Architecture consultation"),
        ("Доступ к личному кабинету", "Console access problem"),
        ("Запрос квоты", "Quota increase request"),
        ("Вопрос по API", "API question"),
    ),
}
SUBJECT_VOCAB = [s[lang] for area in AREAS for s in SUBJECTS[area] for lang in (0, 1)]

CSAT_GOOD = (
    ("Спасибо, быстро решили!", "Thanks, quick fix!"),
    ("Отличная поддержка", "Great support"),
    ("Всё понятно объяснили, спасибо", "Clear explanation, thank you"),
    ("Инженер очень помог", "The engineer was very helpful"),
)
CSAT_BAD = (
    ("Слишком долго ждали ответа", "Waited too long for a reply"),
    ("Проблему решили не с первого раза", "Took several attempts to fix"),
    ("Ответ не помог", "The answer did not help"),
    ("Пришлось несколько раз объяснять проблему", "Had to explain the problem several times"),
)
CSAT_VOCAB = [c[lang] for group in (CSAT_GOOD, CSAT_BAD) for c in group for lang in (0, 1)]

K = 33  # lifecycle slots; ORDER lists them in time order
ORDER = (
    0,
    1,
    2,
    3,
    4,
    5,
    6,
    7,
    8,
    28,
    29,
    30,
    9,
    10,
    11,
    12,
    13,
    14,
    31,
    15,
    16,
    17,
    18,
    19,
    20,
    21,
    22,
    32,
    23,
    24,
    25,
    26,
    27,
)
RANK = np.argsort(np.array(ORDER))  # slot -> position in time order
_STATUS_SLOTS = (
    (2, S_SOLVED),
    (6, S_OPEN),
    (9, S_HOLD),
    (10, S_OPEN),
    (12, S_PENDING),
    (14, S_OPEN),
    (22, S_SOLVED),
    (24, S_OPEN),
    (26, S_SOLVED),
    (27, S_CLOSED),
)
_STATUS_FROM = {
    2: S_NEW,
    6: S_NEW,
    9: S_OPEN,
    10: S_HOLD,
    12: S_OPEN,
    14: S_PENDING,
    22: S_OPEN,
    24: S_SOLVED,
    26: S_OPEN,
    27: S_SOLVED,
}
A_NULL, A_REQUESTER, A_BOT = -1, -2, -3


@dataclass
class Context:
    eng: Engineers
    acc: Accounts
    clock: BusinessClock
    end_ts: float
    year0: float  # epoch of 2025-01-01 Moscow (time trends)
    qa_rate: float
    lead_of: np.ndarray  # engineer index -> team lead's engineer index


@dataclass
class Batch:
    tickets: pl.DataFrame
    events: pl.DataFrame
    csat: pl.DataFrame
    qa: pl.DataFrame


def _choice_rows(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One categorical draw per row of a (n, k) probability matrix."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(probs.shape[0])[:, None] * cum[:, -1:]
    return (u > cum).sum(axis=1)


def _pick(rng: np.random.Generator, pool: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    return rng.choice(pool, size=n, p=weights / weights.sum())


def simulate(
    rng: np.random.Generator,
    created: np.ndarray,
    is_mon: np.ndarray,
    first_no: int,
    month: tuple[float, float],
    ctx: Context,
) -> Batch:
    n = created.size
    eng, acc, bc = ctx.eng, ctx.acc, ctx.clock
    mstart, mend = month
    years = np.clip((created - ctx.year0) / (365 * DAY), 0, 3)

    # ---- who and what
    weights = acc.active_weights(mstart) * (acc.churn > mend)
    if weights.sum() == 0:
        weights = np.ones(len(acc.ids))
    account = rng.choice(len(acc.ids), size=n, p=weights / weights.sum())
    tier = acc.tier_at(account, created)
    contact = (rng.random(n) * acc.contacts[account]).astype(np.int64) + 1
    bot_share = np.clip(0.07 + 0.05 * years, 0, 0.2)
    u = rng.random(n)
    channel = np.where(
        is_mon, CH_MON, np.where(u < bot_share, CH_BOT, rng.choice(OTHER_CH, size=n, p=OTHER_CH_P))
    )
    prio0 = np.where(is_mon, rng.choice(4, size=n, p=MON_PRIO_P), _choice_rows(rng, PRIO_P[tier]))
    ttype = np.where(is_mon, 0, rng.choice(5, size=n, p=TYPE_P))
    area = rng.choice(len(AREAS), size=n, p=AREA_P)
    lang_en = rng.random(n) < acc.lang_en[account]
    subject = area * 8 + rng.integers(0, 4, n) * 2 + lang_en

    # ---- paths: bot-solved, escalations, reopen, pending, on-hold, priority change
    auto_target = 0.16 + 0.14 * np.clip(years, 0, 1) + 0.04 * np.clip(years - 1, 0, 1)
    eligible = (
        ~is_mon
        & (prio0 >= 2)
        & np.isin(channel, (CH_EMAIL, CH_CHAT, CH_WEB, CH_CONSOLE, CH_BOT))
        & (ttype != 1)
    )
    w_bot = np.where(channel == CH_BOT, 2.5, 1.0) * eligible
    p_bot = np.clip(auto_target * n * w_bot / max(w_bot.sum(), 1.0), 0, 0.95)
    bot = rng.random(n) < p_bot
    ag = ~bot

    t1_pool = eng.eligible(0, mstart, mend)
    eng1 = _pick(rng, t1_pool, eng.speed[t1_pool], n)
    esc_base = np.array([0.35, 0.28, 0.17, 0.10])[prio0] * np.where(tier == 0, 1.2, 1.0)
    esc_base *= np.array([1.0, 1.5, 0.6, 1.0, 0.8])[ttype] * np.where(eng.tier[eng1] == 0, 1.0, 1.0)
    esc_base *= 0.7 + 4.0 * eng.p_res[eng1]  # weaker engineers escalate more
    esc_target = 0.22 - 0.03 * np.clip(years, 0, 2) / 2
    p_esc = np.clip(esc_base * esc_target * n / max(esc_base[ag].sum(), 1e-9), 0, 0.9)
    esc = ag & (rng.random(n) < p_esc)
    has_tam = acc.tam[account] >= 0
    g2 = np.where(
        has_tam & (tier == 0),
        rng.choice([1, 2, 3], size=n, p=[0.5, 0.15, 0.35]),
        rng.choice([1, 2], size=n, p=[0.75, 0.25]),
    )
    esc2 = esc & (g2 == 1) & (rng.random(n) < 0.15)
    eng2 = np.full(n, -1)
    for g in (1, 2, 3):
        sel = esc & (g2 == g)
        if sel.any():
            pool = eng.eligible(g, mstart, mend)
            eng2[sel] = _pick(rng, pool, eng.speed[pool], int(sel.sum()))
    tam_sel = esc & (g2 == 3)
    own_tam = acc.tam[account]
    tam_ok = tam_sel & (own_tam >= 0)
    tam_ok &= (eng.hired[np.maximum(own_tam, 0)] <= mstart) & (
        eng.left[np.maximum(own_tam, 0)] > mend
    )
    eng2 = np.where(tam_ok, own_tam, eng2)
    eng3 = np.full(n, -1)
    if esc2.any():
        pool = eng.eligible(2, mstart, mend)
        eng3[esc2] = _pick(rng, pool, eng.speed[pool], int(esc2.sum()))
    final = np.where(esc2, eng3, np.where(esc, eng2, eng1))

    pc = ag & (rng.random(n) < 0.08)
    step = np.where(rng.random(n) < 0.6, -1, 1)
    prio1 = prio0 + step
    prio1 = np.where((prio1 < 0) | (prio1 > 3), prio0 - step, prio1)
    prio1 = np.where(pc, prio1, prio0)

    pend = ag & (rng.random(n) < np.where(ttype == 2, 0.38, 0.26))
    hold = ag & (rng.random(n) < np.where(ttype >= 3, 0.12, 0.05))
    ccom = ag & (rng.random(n) < 0.55)
    note = ag & (rng.random(n) < 0.25)
    reopen = ag & (rng.random(n) < eng.p_reopen[final])
    # One touch: the solver's first public reply solves it (per-engineer FCR), so the
    # solver writes no further reply; a ticket waiting on the customer never is. Drawn
    # from a spawned stream so the draws below keep the values they had before.
    touch = rng.spawn(1)[0].random(n) < eng.p_one_touch[final]
    one_touch = ag & touch & ~np.where(final == eng1, pend, False)
    sys_assign = rng.random(n) < 0.75
    sys_assign2 = rng.random(n) < 0.7

    # ---- breach propensities
    trend = 1.3 - 0.25 * np.clip(years, 0, 2)
    ramp1 = np.where(created - eng.hired[eng1] < 60 * DAY, 1.8, 1.0)
    rampf = np.where(created - eng.hired[final] < 60 * DAY, 1.6, 1.0)
    p_fr = eng.p_fr[eng1] * TIER_BREACH[tier] * trend * ramp1
    p_res = (
        eng.p_res[final]
        * TIER_BREACH[tier]
        * trend
        * rampf
        * np.where(esc, 1.4, 1.0)
        * np.where(pc, 1.3, 1.0)
    )
    fr_breach = rng.random(n) < p_fr
    res_breach = rng.random(n) < p_res

    # ---- times (float epoch seconds); K slots in time order
    t0 = created.astype(np.float64)
    T = np.full((n, K), np.nan)
    T[:, 0] = t0
    U = rng.uniform
    botc = bot | (channel == CH_BOT)
    T[:, 1] = np.where(botc, t0 + U(20, 180, n), np.nan)
    T[:, 2] = np.where(bot, t0 + U(200, 1200, n), np.nan)

    tfr = T_FR[tier, prio0]
    bfr = B_FR[tier, prio0]
    f_fr = np.where(fr_breach, 1.02 + rng.exponential(0.5, n), rng.beta(1.5, 3.5, n) * 0.95 + 0.01)
    fr_m = tfr * f_fr
    cf0 = clock_at(bc, t0, bfr)
    t5 = instant_at(bc, cf0 + fr_m, bfr)
    t3 = np.where(sys_assign, t0 + U(10, 120, n), instant_at(bc, cf0 + 0.3 * fr_m, bfr))
    T[:, 3] = np.where(ag, t3, np.nan)
    T[:, 4] = np.where(note, instant_at(bc, cf0 + 0.6 * fr_m, bfr), np.nan)
    T[:, 5] = np.where(ag, t5, np.nan)
    t6 = t5 + U(5, 60, n)
    T[:, 6] = np.where(ag, t6, np.nan)

    tres = T_RES[tier, prio1]
    bres = B_RES[tier, prio1]
    cr0 = clock_at(bc, t0, bres)
    c_fr = clock_at(bc, t6, bres) - cr0
    avail = np.maximum(tres - c_fr, 0.0)
    solve_m = np.where(
        res_breach,
        np.maximum(tres * (1.02 + rng.exponential(0.6, n)), c_fr + 10),
        c_fr + avail * (rng.beta(1.8, 2.2, n) * 0.9 + 0.03),
    )
    solve_m = np.maximum(solve_m, c_fr + 6)
    span = solve_m - c_fr
    m_p = c_fr + (0.45 + U(-0.02, 0.02, n)) * span
    w_p = instant_at(bc, cr0 + m_p, bres)
    gap_p = np.clip(rng.lognormal(np.log(8 * 3600), 1.1, n), 900, 6 * DAY)
    t14 = w_p + 30 + gap_p + U(30, 600, n)
    c_resume = clock_at(bc, t14, bres)

    def wall(frac: float, jitter: float = 0.02) -> np.ndarray:
        pos = c_fr + (frac + U(-jitter, jitter, n)) * span
        before = instant_at(bc, cr0 + pos, bres)
        after = instant_at(bc, c_resume + (pos - m_p), bres)
        return np.where(pend & (pos > m_p), after, before)

    T[:, 7] = np.where(pc, wall(0.1), np.nan)
    T[:, 8] = np.where(ccom, wall(0.2), np.nan)
    T[:, 9] = np.where(hold, wall(0.28), np.nan)
    T[:, 10] = np.where(hold, wall(0.40), np.nan)
    T[:, 11] = np.where(pend, w_p, np.nan)
    T[:, 12] = np.where(pend, w_p + 30, np.nan)
    T[:, 13] = np.where(pend, w_p + 30 + gap_p, np.nan)
    T[:, 14] = np.where(pend, t14, np.nan)
    t15 = wall(0.55)
    T[:, 15] = np.where(esc, t15, np.nan)
    T[:, 16] = np.where(esc, t15 + U(60, 900, n), np.nan)
    T[:, 17] = np.where(esc, wall(0.62), np.nan)
    t18 = wall(0.72)
    T[:, 18] = np.where(esc2, t18, np.nan)
    T[:, 19] = np.where(esc2, t18 + U(60, 900, n), np.nan)
    T[:, 20] = np.where(esc2, wall(0.78), np.nan)
    T[:, 21] = np.where(ag & ~one_touch, wall(0.97, 0.01), np.nan)
    t22 = wall(1.0, 0.0)
    T[:, 22] = np.where(ag, t22, np.nan)
    ro = t22 + np.clip(rng.lognormal(np.log(20 * 3600), 0.8, n), 600, 2.9 * DAY)
    t24 = ro + U(5, 120, n)
    c_ro = clock_at(bc, t24, bres)
    extra = tres * rng.beta(1.2, 5, n) + 5
    T[:, 23] = np.where(reopen, ro, np.nan)
    T[:, 24] = np.where(reopen, t24, np.nan)
    T[:, 25] = np.where(reopen, instant_at(bc, c_ro + 0.5 * extra, bres), np.nan)
    t26 = instant_at(bc, c_ro + extra, bres)
    T[:, 26] = np.where(reopen, t26, np.nan)
    last_solve = np.where(bot, T[:, 2], np.where(reopen, t26, t22))
    T[:, 27] = last_solve + U(3, 7, n) * DAY
    chat2 = ag & (rng.random(n) < 0.8)
    extra_t1_reply = ~(one_touch & (final == eng1))  # eng1's follow-up replies
    T[:, 28] = np.where(ccom & extra_t1_reply, wall(0.24), np.nan)
    T[:, 29] = np.where(chat2, wall(0.32), np.nan)
    T[:, 30] = np.where(chat2 & extra_t1_reply, wall(0.36), np.nan)
    T[:, 31] = np.where(ag & (rng.random(n) < 0.6), wall(0.5), np.nan)
    T[:, 32] = np.where(ag & ~reopen & (rng.random(n) < 0.45), t22 + U(600, 7200, n), np.nan)

    # Strictly increasing in time order (ties and clock edge cases), whole seconds.
    T = np.floor(T)
    running = T[:, 0].copy()
    for k in ORDER[1:]:
        col = T[:, k]
        present = ~np.isnan(col)
        col = np.where(present, np.maximum(col, running + 1), np.nan)
        T[:, k] = col
        running = np.where(present, col, running)
    present = ~np.isnan(T) & (ctx.end_ts >= T)

    # ---- current state implied by the events that happened by the end
    status = np.full(n, S_NEW)
    for k, s in _STATUS_SLOTS:
        status = np.where(present[:, k], s, status)
    priority = np.where(present[:, 7], prio1, prio0)
    group = np.zeros(n, dtype=np.int64)
    group = np.where(present[:, 15], g2, group)
    group = np.where(present[:, 18], 2, group)
    assignee = np.full(n, -1)
    assignee = np.where(present[:, 3], eng1, assignee)
    assignee = np.where(present[:, 16], eng2, assignee)
    assignee = np.where(present[:, 19], eng3, assignee)
    updated = np.nanmax(np.where(present, T, np.nan), axis=1)

    ticket_no = first_no + np.arange(n, dtype=np.int64)
    tickets = pl.DataFrame(
        {
            "no": ticket_no,
            "created_at": T[:, 0].astype(np.int64),
            "updated_at": updated.astype(np.int64),
            "acc": account,
            "contact": contact,
            "channel": channel,
            "priority": priority,
            "status": status,
            "type": ttype,
            "product_area": area,
            "group_name": group,
            "assignee": assignee,
            "lang_en": lang_en,
            "subject": subject,
            "is_proactive": is_mon,
        }
    )
    acc_ids = pl.Series(acc.ids)
    eng_ids = pl.Series(eng.ids)
    tickets = tickets.with_columns(
        pl.format("T{}", pl.col("no").cast(pl.String).str.zfill(8)).alias("ticket_id"),
        ts_expr("created_at"),
        ts_expr("updated_at"),
        acc_ids.gather(tickets["acc"]).alias("account_id"),
    ).with_columns(
        pl.format("{}-C{}", pl.col("account_id"), pl.col("contact")).alias("requester_id"),
        pl.Series(CHANNELS).gather(tickets["channel"]).alias("channel"),
        pl.Series(PRIORITIES).gather(tickets["priority"]).alias("priority"),
        pl.Series(STATUSES).gather(tickets["status"]).alias("status"),
        pl.Series(TYPES).gather(tickets["type"]).alias("type"),
        pl.Series(AREAS).gather(tickets["product_area"]).alias("product_area"),
        pl.Series(GROUPS).gather(tickets["group_name"]).alias("group_name"),
        eng_ids.gather(nullable(assignee)).alias("assignee_id"),
        pl.when(pl.col("lang_en")).then(pl.lit("en")).otherwise(pl.lit("ru")).alias("language"),
        pl.Series(SUBJECT_VOCAB).gather(tickets["subject"]).alias("subject"),
        pl.when(pl.col("is_proactive"))
        .then(pl.lit("true"))
        .otherwise(pl.lit("false"))
        .alias("is_proactive"),
    )

    # ---- events
    lead1 = ctx.lead_of[eng1]
    lead2 = ctx.lead_of[np.maximum(eng2, 0)]
    none = np.full(n, -1)
    req = np.full(n, A_REQUESTER)
    botv = np.full(n, A_BOT)
    st = lambda s: np.full(n, V_STATUS + s)  # noqa: E731
    creator_agent = is_mon
    # slot: (event type, role array, actor array, is_public (-1 null), from, to)
    spec = {
        0: (
            E_CREATED,
            np.where(creator_agent, R_AGENT, R_CUSTOMER),
            np.where(creator_agent, eng1, A_REQUESTER),
            -1,
            none,
            none,
        ),
        1: (E_COMMENT, np.full(n, R_BOT), botv, 1, none, none),
        2: (E_STATUS, np.full(n, R_BOT), botv, -1, st(S_NEW), st(S_SOLVED)),
        3: (
            E_ASSIGNED,
            np.where(sys_assign, R_SYSTEM, R_AGENT),
            np.where(sys_assign, A_NULL, lead1),
            -1,
            none,
            V_ENG + eng1,
        ),
        4: (E_COMMENT, np.full(n, R_AGENT), eng1, 0, none, none),
        5: (E_COMMENT, np.full(n, R_AGENT), eng1, 1, none, none),
        6: (E_STATUS, np.full(n, R_AGENT), eng1, -1, st(S_NEW), st(S_OPEN)),
        7: (E_PRIORITY, np.full(n, R_AGENT), eng1, -1, V_PRIO + prio0, V_PRIO + prio1),
        8: (E_COMMENT, np.full(n, R_CUSTOMER), req, 1, none, none),
        9: (E_STATUS, np.full(n, R_AGENT), eng1, -1, st(S_OPEN), st(S_HOLD)),
        10: (E_STATUS, np.full(n, R_AGENT), eng1, -1, st(S_HOLD), st(S_OPEN)),
        11: (E_COMMENT, np.full(n, R_AGENT), eng1, 1, none, none),
        12: (E_STATUS, np.full(n, R_AGENT), eng1, -1, st(S_OPEN), st(S_PENDING)),
        13: (E_COMMENT, np.full(n, R_CUSTOMER), req, 1, none, none),
        14: (E_STATUS, np.full(n, R_CUSTOMER), req, -1, st(S_PENDING), st(S_OPEN)),
        15: (E_GROUP, np.full(n, R_AGENT), eng1, -1, np.full(n, V_GROUP + 0), V_GROUP + g2),
        16: (
            E_ASSIGNED,
            np.where(sys_assign2, R_SYSTEM, R_AGENT),
            np.where(sys_assign2, A_NULL, lead2),
            -1,
            none,
            V_ENG + eng2,
        ),
        17: (E_COMMENT, np.full(n, R_AGENT), eng2, 1, none, none),
        18: (E_GROUP, np.full(n, R_AGENT), eng2, -1, V_GROUP + g2, np.full(n, V_GROUP + 2)),
        19: (E_ASSIGNED, np.full(n, R_SYSTEM), none, -1, none, V_ENG + eng3),
        20: (E_COMMENT, np.full(n, R_AGENT), eng3, 1, none, none),
        21: (E_COMMENT, np.full(n, R_AGENT), final, 1, none, none),
        22: (E_STATUS, np.full(n, R_AGENT), final, -1, st(S_OPEN), st(S_SOLVED)),
        23: (E_COMMENT, np.full(n, R_CUSTOMER), req, 1, none, none),
        24: (E_STATUS, np.full(n, R_CUSTOMER), req, -1, st(S_SOLVED), st(S_OPEN)),
        25: (E_COMMENT, np.full(n, R_AGENT), final, 1, none, none),
        26: (E_STATUS, np.full(n, R_AGENT), final, -1, st(S_OPEN), st(S_SOLVED)),
        27: (E_STATUS, np.full(n, R_SYSTEM), none, -1, st(S_SOLVED), st(S_CLOSED)),
        28: (E_COMMENT, np.full(n, R_AGENT), eng1, 1, none, none),
        29: (E_COMMENT, np.full(n, R_CUSTOMER), req, 1, none, none),
        30: (E_COMMENT, np.full(n, R_AGENT), eng1, 1, none, none),
        31: (E_COMMENT, np.full(n, R_AGENT), eng1, 0, none, none),
        32: (E_COMMENT, np.full(n, R_CUSTOMER), req, 1, none, none),
    }
    parts = []
    for k in range(K):
        idx = np.flatnonzero(present[:, k])
        if idx.size == 0:
            continue
        etype, role, actor, pub, frm, to = spec[k]
        parts.append(
            pl.DataFrame(
                {
                    "i": idx.astype(np.int64),
                    "k": np.full(idx.size, k, dtype=np.int64),
                    "r": np.full(idx.size, RANK[k], dtype=np.int64),
                    "t": T[idx, k].astype(np.int64),
                    "et": np.full(idx.size, etype, dtype=np.int64),
                    "role": role[idx].astype(np.int64),
                    "actor": actor[idx].astype(np.int64),
                    "pub": np.full(idx.size, pub, dtype=np.int64),
                    "frm": frm[idx].astype(np.int64),
                    "to": to[idx].astype(np.int64),
                }
            )
        )
    ev = pl.concat(parts).sort("i", "r")
    vocab = pl.Series(list(STATUSES) + list(PRIORITIES) + list(GROUPS) + list(eng.ids))
    requesters = tickets["requester_id"]
    ticket_ids = tickets["ticket_id"]

    def code(col: str) -> pl.Series:
        return nullable(ev[col].to_numpy())

    actor = ev["actor"].to_numpy()
    events = pl.DataFrame(
        {
            "event_id": pl.Series((first_no + ev["i"].to_numpy()) * 64 + ev["k"].to_numpy()),
            "ticket_id": ticket_ids.gather(ev["i"]),
            "event_at": ev["t"],
            "event_type": pl.Series(EVENT_TYPES).gather(ev["et"]),
            "eng_actor": eng_ids.gather(code("actor")),
            "req_actor": requesters.gather(ev["i"]),
            "actor_code": pl.Series(actor),
            "actor_role": pl.Series(ROLES).gather(ev["role"]),
            "pub": ev["pub"],
            "from_value": vocab.gather(code("frm")),
            "to_value": vocab.gather(code("to")),
        }
    ).with_columns(
        pl.format("EV{}", pl.col("event_id").cast(pl.String).str.zfill(12)).alias("event_id"),
        ts_expr("event_at"),
        pl.when(pl.col("actor_code") >= 0)
        .then(pl.col("eng_actor"))
        .when(pl.col("actor_code") == A_REQUESTER)
        .then(pl.col("req_actor"))
        .when(pl.col("actor_code") == A_BOT)
        .then(pl.lit("bot"))
        .otherwise(pl.lit(None, dtype=pl.String))
        .alias("actor_id"),
        pl.when(pl.col("pub") == 1)
        .then(pl.lit("true"))
        .when(pl.col("pub") == 0)
        .then(pl.lit("false"))
        .otherwise(pl.lit(None, dtype=pl.String))
        .alias("is_public"),
    )

    # ---- CSAT: ~30 % of solved tickets, worse after a breach or a reopen
    solve_present = present[:, 2] | present[:, 22]
    last_solved_at = np.where(present[:, 26], T[:, 26], np.where(present[:, 22], T[:, 22], T[:, 2]))
    res_total = solve_m + np.where(reopen, extra, 0.0)
    breached = ag & ((fr_m > tfr) | (res_total > tres))
    responded = last_solved_at + np.clip(rng.lognormal(np.log(4 * 3600), 1.0, n), 300, 3 * DAY)
    answer = solve_present & (rng.random(n) < 0.30) & (responded <= ctx.end_ts)
    p_good = 0.82 + 0.06 * np.clip(years, 0, 2) + eng.csat_bias[final] * ag
    p_good -= 0.30 * breached + 0.15 * reopen + 0.04 * bot
    p_good += 0.05 * one_touch  # solved by the first answer: customers like that
    good = rng.random(n) < np.clip(p_good, 0.05, 0.99)
    score = np.where(
        good, np.where(rng.random(n) < 0.72, 5, 4), rng.choice([3, 2, 1], size=n, p=[0.5, 0.3, 0.2])
    )
    with_comment = rng.random(n) < 0.3
    comment = np.where(good, 0, 8) + rng.integers(0, 4, n) * 2 + lang_en
    ci = np.flatnonzero(answer)
    csat = pl.DataFrame(
        {
            "no": ticket_no[ci],
            "ticket_id": ticket_ids.gather(pl.Series(ci)),
            "responded_at": np.floor(responded[ci]).astype(np.int64),
            "score": score[ci],
            "comment": pl.Series(CSAT_VOCAB).gather(
                nullable(np.where(with_comment[ci], comment[ci], -1))
            ),
        }
    ).with_columns(
        pl.format("CS{}", pl.col("no").cast(pl.String).str.zfill(8)).alias("response_id"),
        ts_expr("responded_at"),
    )

    # ---- QA reviews: a sample of agent-solved tickets, scored around the solver's level
    reviewed = last_solved_at + U(1, 12, n) * DAY
    qi = np.flatnonzero(
        ag & solve_present & (rng.random(n) < ctx.qa_rate) & (reviewed <= ctx.end_ts)
    )
    total = np.clip(rng.normal(eng.qa_mean[final[qi]], 7.0), 35, 100) / 100.0
    maxes = np.array([25, 25, 20, 20, 10])
    comp = np.clip(
        np.rint(total[:, None] * maxes[None, :] * rng.uniform(0.88, 1.1, (qi.size, 5))), 0, maxes
    )
    comp = comp.astype(np.int64)
    qa = pl.DataFrame(
        {
            "no": ticket_no[qi],
            "ticket_id": ticket_ids.gather(pl.Series(qi)),
            "engineer_id": eng_ids.gather(pl.Series(final[qi])),
            "reviewed_at": np.floor(reviewed[qi]).astype(np.int64),
            "technical_accuracy": comp[:, 0],
            "communication": comp[:, 1],
            "timeliness": comp[:, 2],
            "process": comp[:, 3],
            "customer_satisfaction": comp[:, 4],
        }
    ).with_columns(
        pl.format("QA{}", pl.col("no").cast(pl.String).str.zfill(8)).alias("review_id"),
        ts_expr("reviewed_at"),
    )
    return Batch(tickets=tickets, events=events, csat=csat, qa=qa)


# ---------------------------------------------------------------- arrivals

HOUR_WEEKDAY = np.array(
    [
        0.15,
        0.12,
        0.1,
        0.1,
        0.12,
        0.18,
        0.3,
        0.5,
        0.9,
        1.6,
        2.0,
        2.0,
        1.8,
        1.7,
        1.9,
        1.9,
        1.8,
        1.5,
        1.0,
        0.7,
        0.55,
        0.45,
        0.3,
        0.2,
    ]
)
HOUR_WEEKEND = np.array(
    [
        0.3,
        0.25,
        0.2,
        0.2,
        0.2,
        0.25,
        0.3,
        0.4,
        0.6,
        0.8,
        0.9,
        1.0,
        1.0,
        1.0,
        1.0,
        0.95,
        0.9,
        0.85,
        0.8,
        0.7,
        0.6,
        0.5,
        0.45,
        0.35,
    ]
)
DOW = np.array([1.15, 1.12, 1.10, 1.08, 1.00, 0.42, 0.38]) * 7 / 6.25


def arrivals(
    rng: np.random.Generator,
    day_starts: np.ndarray,
    weekday: np.ndarray,
    working: np.ndarray,
    base_rate: float,
    year0: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Creation instants (sorted) and monitoring flags for tickets over whole Moscow days."""
    years = (day_starts - year0) / (365 * DAY)
    rate = base_rate * (1 + 0.5 * np.clip(years, -1, 5)) * DOW[weekday]
    rate = np.where(~working & (weekday < 5), rate * 0.45, rate)
    counts = rng.poisson(rate)
    day = np.repeat(np.arange(day_starts.size), counts)
    n = day.size
    is_mon = rng.random(n) < 0.06
    busy = working[day]
    hour = np.where(
        is_mon,
        rng.integers(0, 24, n),
        np.where(
            busy,
            rng.choice(24, size=n, p=HOUR_WEEKDAY / HOUR_WEEKDAY.sum()),
            rng.choice(24, size=n, p=HOUR_WEEKEND / HOUR_WEEKEND.sum()),
        ),
    )
    created = np.floor(day_starts[day] + hour * 3600 + rng.uniform(0, 3600, n))
    order = np.argsort(created, kind="stable")
    return created[order], is_mon[order]
