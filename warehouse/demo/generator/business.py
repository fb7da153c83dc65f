"""Surveys, CRM and finance extracts: NPS waves, opportunities, support costs, KB, manual KRs."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from warehouse.demo.generator.common import (
    DAY,
    FxRates,
    epoch,
    month_starts,
    msk_date,
    next_month,
    nullable,
    quarter_of,
    ts_expr,
    ts_text,
)
from warehouse.demo.generator.org import Accounts, Engineers

NPS_REASONS = (
    "Быстрая и компетентная поддержка",
    "Стабильная платформа",
    "Дорого по сравнению с конкурентами",
    "Долго отвечают на обращения",
    "Не хватает документации",
    "Great technical account manager",
    "Support resolved our outage quickly",
    "Billing is confusing",
    "Удобная консоль",
    "Частые инциденты с сетью",
)
COMPETITORS = (
    "aws",
    "gcp",
    "azure",
    "yandex_cloud",
    "cloud_ru",
    "selectel",
    "arenadata",
    "mts",
    "astra",
    "none",
)
COMP_P = np.array([0.05, 0.03, 0.04, 0.26, 0.17, 0.13, 0.06, 0.07, 0.05, 0.14])
COMP_WIN = np.array([0.30, 0.33, 0.32, 0.36, 0.42, 0.47, 0.45, 0.50, 0.48, 0.60])
OPP_TYPES = ("new_business", "upsell", "expansion", "renewal")
KB_CATEGORIES = (
    "compute",
    "storage",
    "database",
    "networking",
    "kubernetes",
    "security",
    "billing",
    "howto",
    "troubleshooting",
)


def nps(
    rng: np.random.Generator, acc: Accounts, start: date, end_ts: float, year0: float
) -> pl.DataFrame:
    """Quarterly waves: each contact of an active account answers with probability ~0.35."""
    frames = []
    for q in month_starts(start, date(2030, 1, 1))[::1]:
        if q.month % 3 != 1:
            continue
        window = epoch(next_month(q)) + 3 * DAY  # second month of the quarter
        if window > end_ts:
            break
        active = (acc.created <= window) & (acc.churn > window)
        a = np.repeat(np.flatnonzero(active), acc.contacts[active])
        c = np.concatenate([np.arange(1, k + 1) for k in acc.contacts[active]]) if a.size else a
        take = rng.random(a.size) < 0.35
        a, c = a[take], c[take]
        when = window + rng.uniform(0, 21 * DAY, a.size)
        keep = when <= end_ts
        a, c, when = a[keep], c[keep], when[keep]
        years = np.clip((window - year0) / (365 * DAY), 0, 2)
        tier = acc.tier_at(a, when)
        score_nps = 38 + 14 * years + np.array([12.0, 5.0, 0.0, -12.0])[tier]
        p_pro = np.clip((0.78 + score_nps / 100) / 2, 0.05, 0.95)
        p_det = np.clip(0.78 - p_pro, 0.01, 0.9)
        u = rng.random(a.size)
        score = np.where(
            u < p_pro,
            rng.choice([9, 10], size=a.size, p=[0.45, 0.55]),
            np.where(
                u < p_pro + p_det,
                rng.choice(7, size=a.size, p=[0.03, 0.03, 0.06, 0.1, 0.13, 0.25, 0.4]),
                rng.choice([7, 8], size=a.size),
            ),
        )
        reason = np.where(rng.random(a.size) < 0.3, rng.integers(0, len(NPS_REASONS), a.size), -1)
        wave = quarter_of(q)
        frames.append(
            pl.DataFrame(
                {
                    "a": a,
                    "c": c,
                    "responded_at": np.floor(when).astype(np.int64),
                    "score": score,
                    "reason": pl.Series(NPS_REASONS).gather(nullable(reason)),
                }
            ).with_columns(pl.lit(wave).alias("wave"))
        )
    if not frames:
        return pl.DataFrame(
            schema={
                k: pl.String
                for k in (
                    "response_id",
                    "account_id",
                    "contact_id",
                    "responded_at",
                    "score",
                    "wave",
                    "reason",
                )
            }
        )
    df = pl.concat(frames)
    ids = pl.Series(acc.ids)
    return df.with_columns(
        pl.format("NPS{}", pl.int_range(1, df.height + 1).cast(pl.String).str.zfill(7)).alias(
            "response_id"
        ),
        ids.gather(df["a"]).alias("account_id"),
        ts_expr("responded_at"),
    ).with_columns(pl.format("{}-C{}", pl.col("account_id"), pl.col("c")).alias("contact_id"))


def opportunities(
    rng: np.random.Generator, acc: Accounts, eng: Engineers, start: date, end_ts: float, fx: FxRates
) -> pl.DataFrame:
    """Deals with competitors, POCs and support credit sized to the OKR revenue targets."""
    rows = []
    begin = epoch(start) - 120 * DAY
    months = month_starts(msk_date(begin), msk_date(end_ts))
    helpers = np.flatnonzero(eng.tier >= 1)
    no = 0
    for m in months:
        m_ts = epoch(m)
        years = (m_ts - epoch(date(2025, 1, 1))) / (365 * DAY)
        count = rng.poisson(30 * (1 + 0.3 * max(years, 0)))
        for _ in range(count):
            created = m_ts + rng.uniform(0, 28 * DAY) + 10 * 3600
            if created > end_ts:
                continue
            active = np.flatnonzero((acc.created <= created) & (acc.churn > created))
            if active.size == 0:
                continue
            a = int(rng.choice(active))
            no += 1
            comp = int(rng.choice(len(COMPETITORS), p=COMP_P))
            otype = OPP_TYPES[int(rng.choice(4, p=[0.35, 0.25, 0.25, 0.15]))]
            seg_factor = (3.0, 1.2, 0.4, 0.25, 2.0)[acc.segment[a]]
            amount_usd = (
                rng.lognormal(np.log(30_000), 0.9) * seg_factor * (1 + 0.25 * max(years, 0))
            )
            region = acc.region[a]
            cur = (
                "EUR"
                if region == 5 and rng.random() < 0.6
                else ("USD" if region in (3, 5) or rng.random() < 0.05 else "RUB")
            )
            cycle = rng.uniform(25, 160) * DAY
            had_poc = rng.random() < (0.55 if comp in (0, 1, 2, 3) else 0.35)
            poc_ok = rng.random() < 0.65
            p_win = COMP_WIN[comp] * (1.35 if had_poc and poc_ok else (0.5 if had_poc else 1.0))
            won = rng.random() < min(p_win, 0.95)
            closed = created + cycle
            if closed <= end_ts:
                stage = "closed_won" if won else "closed_lost"
                updated = closed
            else:
                frac = (end_ts - created) / cycle
                stage = ("discovery", "design", "poc" if had_poc else "design", "negotiation")[
                    min(int(frac * 4), 3)
                ]
                updated = created + (end_ts - created) * rng.uniform(0.5, 1.0)
                closed = None
            credit_eng = None
            credit_pct = None
            if stage == "closed_won":
                cyear = msk_date(closed).year
                share, pct_mean = (0.3, 18) if cyear <= 2025 else (0.6, 29)
                if rng.random() < share:
                    pool = helpers[(eng.hired[helpers] <= closed) & (eng.left[helpers] > closed)]
                    if pool.size:
                        credit_eng = eng.ids[int(rng.choice(pool))]
                        credit_pct = float(np.clip(np.rint(rng.normal(pct_mean, 8)), 5, 60))
            month = msk_date(created).replace(day=1)
            amount = amount_usd / fx.to_usd(month, cur)
            rows.append(
                {
                    "opportunity_id": f"OPP{no:06d}",
                    "account_id": acc.ids[a],
                    "created_at": ts_text(created),
                    "updated_at": ts_text(updated),
                    "closed_at": ts_text(closed) if closed is not None else None,
                    "stage": stage,
                    "type": otype,
                    "amount": f"{amount:.2f}",
                    "currency": cur,
                    "competitor": COMPETITORS[comp],
                    "had_poc": "true" if had_poc else "false",
                    "poc_succeeded": ("true" if poc_ok else "false")
                    if had_poc and stage not in ("discovery", "design")
                    else None,
                    "support_credit_engineer_id": credit_eng,
                    "support_credit_pct": f"{credit_pct:.0f}" if credit_pct is not None else None,
                }
            )
    return pl.DataFrame(rows, schema={k: pl.String for k in rows[0]} if rows else None)


def support_costs(
    rng: np.random.Generator, tickets_per_month: dict[date, int], fx: FxRates
) -> pl.DataFrame:
    """Monthly costs in RUB by category, sized so cost per ticket is ~$55 falling to ~$43."""
    shares = {
        "personnel": 0.68,
        "tools": 0.12,
        "training": 0.05,
        "hiring": 0.06,
        "contingency": 0.03,
        "other": 0.06,
    }
    rows = []
    for m, count in sorted(tickets_per_month.items()):
        years = (m - date(2025, 1, 1)).days / 365
        cpt = 55 - 6.5 * np.clip(years, 0, 2) + rng.normal(0, 2.0)
        total_rub = count * cpt / fx.to_usd(m, "RUB")
        noise = {k: v * rng.uniform(0.8, 1.2) for k, v in shares.items()}
        scale = 1 / sum(noise.values())
        for cat, share in noise.items():
            rows.append(
                {
                    "month": m.strftime("%Y-%m"),
                    "cost_category": cat,
                    "amount": f"{total_rub * share * scale:.2f}",
                    "currency": "RUB",
                }
            )
    return pl.DataFrame(
        rows, schema={k: pl.String for k in ("month", "cost_category", "amount", "currency")}
    )


# Articles written per month: cumulative published ~100 / 200 / 400 / 800 by the end of
# each quarter of FY2025 (DESIGN s4 O3), then a steady pace.
_KB_2025 = (42, 44, 48, 40, 42, 45, 75, 80, 90, 155, 165, 175)


def kb_articles(
    rng: np.random.Generator, eng: Engineers, start: date, end_ts: float
) -> pl.DataFrame:
    rows = []
    no = 0
    weights = np.array([1.0, 2.5, 4.0, 1.5])[eng.tier]
    for m in month_starts(
        date(2025, 1, 1) if start > date(2025, 1, 1) else start, msk_date(end_ts)
    ):
        m_ts = epoch(m)
        if m_ts > end_ts:
            break
        planned = _KB_2025[m.month - 1] if m.year == 2025 else (30 if m.year < 2025 else 70)
        for _ in range(int(rng.poisson(planned))):
            when = m_ts + rng.uniform(0, (epoch(next_month(m)) - m_ts))
            if when > end_ts:
                continue
            ok = (eng.hired <= when) & (eng.left > when)
            pool = np.flatnonzero(ok)
            author = int(rng.choice(pool, p=weights[pool] / weights[pool].sum()))
            no += 1
            u = rng.random()
            status = "published" if u < 0.88 else ("draft" if u < 0.95 else "archived")
            rows.append(
                {
                    "article_id": f"KB{no:05d}",
                    "author_id": eng.ids[author],
                    "published_at": ts_text(when),
                    "category": str(rng.choice(KB_CATEGORIES)),
                    "language": "en" if rng.random() < 0.2 else "ru",
                    "status": status,
                }
            )
    return pl.DataFrame(
        rows,
        schema={
            k: pl.String
            for k in ("article_id", "author_id", "published_at", "category", "language", "status")
        },
    )


KR_IDS = (
    "headcount",
    "team_retention",
    "certified_share",
    "enps",
    "compliance_violations",
    "success_stories",
    "kb_monthly_views",
    "community_members",
)


def okr_manual_values(
    rng: np.random.Generator, eng: Engineers, start: date, end_ts: float
) -> pl.DataFrame:
    """Monthly (YYYY-MM) values of the key results no extract measures."""
    rows = []
    first = min(start, date(2025, 1, 1))
    for m in month_starts(first, msk_date(end_ts)):
        m_ts = epoch(m)
        if m_ts > end_ts:
            break
        m_end = min(epoch(next_month(m)) - 1, end_ts)
        t = (m - date(2025, 1, 1)).days / 365  # years into the strategy
        tc = float(np.clip(t, 0, 2))
        head = int(((eng.hired <= m_end) & (eng.left > m_end)).sum())
        year_ago = m_end - 365 * DAY
        base = (eng.hired <= year_ago) & (eng.left > year_ago)
        kept = base & (eng.left > m_end)
        retention = 100.0 * kept.sum() / base.sum() if base.sum() else 100.0
        period = m.strftime("%Y-%m")
        values = {
            "headcount": (head, None),
            "team_retention": (round(retention, 1), "за последние 12 месяцев"),
            "certified_share": (
                round(float(np.clip(35 + 40 * tc + rng.normal(0, 2), 0, 100)), 1),
                None,
            ),
            "enps": (
                round(float(52 + 14 * tc + rng.normal(0, 4)), 0),
                "пульс-опрос команды" if m.month % 3 == 0 else None,
            ),
            "compliance_violations": (int(rng.random() < max(0.15 - 0.05 * tc, 0.03)), None),
            "success_stories": (int(rng.random() < 0.3 + 0.1 * tc), None),
            "kb_monthly_views": (
                int(
                    max(3000, 3000 + 97000 * min(t, 1) + 40000 * max(min(t - 1, 1), 0))
                    * rng.uniform(0.93, 1.07)
                ),
                None,
            ),
            "community_members": (
                int(
                    150
                    + 870 * min(max(t, 0), 1)
                    + 700 * max(min(t - 1, 1), 0)
                    + rng.integers(0, 20)
                ),
                None,
            ),
        }
        for kr in KR_IDS:
            value, note = values[kr]
            rows.append({"kr_id": kr, "period": period, "value": str(value), "note": note})
    return pl.DataFrame(
        rows,
        schema={"kr_id": pl.String, "period": pl.String, "value": pl.String, "note": pl.String},
    )
