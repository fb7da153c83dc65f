"""The organisation: engineers (hiring roadmap, teams, skills), accounts and contracts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl

from warehouse.demo.generator.common import DAY, epoch, msk_date, msk_day, ts_text

TIERS = ("premium", "professional", "standard", "free")  # index 0..3
PRIORITIES = ("critical", "high", "medium", "low")  # index 0..3
GROUPS = ("tier1", "tier2", "tier3", "tam")  # index 0..3; engineer support_tier 1,2,3,tam
ENGINEER_TIER = ("1", "2", "3", "tam")
SEGMENTS = ("enterprise", "mid_market", "smb", "startup", "public_sector")
REGIONS = ("Moscow", "St Petersburg", "Other Russia", "Kazakhstan", "Belarus", "EU")

TEAMS = {
    "t1-msk": ("Первая линия · Москва", 0),
    "t1-spb": ("Первая линия · Санкт-Петербург", 0),
    "t2": ("Вторая линия · специалисты", 1),
    "t3": ("Третья линия · архитекторы", 2),
    "tam": ("Технические аккаунт-менеджеры", 3),
}

_MALE = [
    "Алексей",
    "Андрей",
    "Артём",
    "Борис",
    "Вадим",
    "Виктор",
    "Владимир",
    "Глеб",
    "Дмитрий",
    "Евгений",
    "Иван",
    "Игорь",
    "Илья",
    "Кирилл",
    "Константин",
    "Максим",
    "Михаил",
    "Никита",
    "Олег",
    "Павел",
    "Роман",
    "Сергей",
    "Степан",
    "Тимур",
    "Фёдор",
    "Юрий",
]
_FEMALE = [
    "Алина",
    "Анастасия",
    "Анна",
    "Валерия",
    "Вера",
    "Дарья",
    "Евгения",
    "Екатерина",
    "Елена",
    "Ирина",
    "Ксения",
    "Мария",
    "Марина",
    "Наталья",
    "Ольга",
    "Полина",
    "Светлана",
    "Софья",
    "Татьяна",
    "Юлия",
]
_SURNAMES = [
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Петров",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
    "Павлов",
    "Козлов",
    "Степанов",
    "Николаев",
    "Орлов",
    "Андреев",
    "Макаров",
    "Никитин",
    "Захаров",
    "Зайцев",
    "Соловьёв",
    "Борисов",
    "Яковлев",
    "Григорьев",
    "Романов",
    "Воробьёв",
    "Сергеев",
    "Кузьмин",
    "Фролов",
    "Александров",
    "Дмитриев",
    "Королёв",
    "Гусев",
    "Киселёв",
    "Ильин",
    "Максимов",
    "Поляков",
    "Сорокин",
    "Виноградов",
    "Ковалёв",
    "Белов",
    "Медведев",
    "Антонов",
    "Тарасов",
    "Жуков",
    "Баранов",
    "Филиппов",
    "Комаров",
    "Давыдов",
    "Беляев",
    "Герасимов",
    "Богданов",
    "Осипов",
    "Сидоров",
    "Матвеев",
    "Титов",
    "Марков",
    "Миронов",
    "Крылов",
    "Куликов",
    "Карпов",
    "Власов",
    "Мельников",
    "Денисов",
    "Гаврилов",
    "Тихонов",
    "Казаков",
    "Афанасьев",
    "Данилов",
    "Савельев",
    "Тимофеев",
    "Фомин",
    "Чернов",
    "Абрамов",
    "Мартынов",
    "Ефимов",
    "Федотов",
    "Щербаков",
    "Назаров",
    "Калинин",
    "Исаев",
    "Чернышёв",
    "Быков",
    "Маслов",
    "Родионов",
    "Коновалов",
    "Лазарев",
    "Воронин",
    "Климов",
    "Филатов",
    "Пономарёв",
    "Голубев",
    "Кудрявцев",
    "Прохоров",
    "Наумов",
    "Потапов",
    "Журавлёв",
    "Овчинников",
    "Трофимов",
    "Леонов",
    "Соболев",
    "Ермаков",
    "Колесников",
    "Гончаров",
    "Емельянов",
    "Никифоров",
    "Грачёв",
    "Котов",
    "Гришин",
    "Ефремов",
    "Архипов",
    "Громов",
    "Кириллов",
    "Малышев",
    "Панов",
    "Моисеев",
    "Румянцев",
    "Акимов",
    "Кондратьев",
    "Бирюков",
    "Горбунов",
    "Анисимов",
    "Ерёмин",
    "Тихомиров",
    "Галкин",
    "Лукьянов",
    "Михеев",
    "Скворцов",
    "Юдин",
    "Белоусов",
    "Нестеров",
    "Симонов",
    "Прокофьев",
    "Харитонов",
    "Князев",
    "Цветков",
    "Левин",
    "Митрофанов",
    "Воронов",
    "Аксёнов",
    "Софронов",
    "Мальцев",
    "Логинов",
    "Горшков",
    "Савин",
    "Краснов",
    "Майоров",
    "Демидов",
    "Елисеев",
    "Рыбаков",
    "Сафонов",
    "Плотников",
    "Дёмин",
    "Хохлов",
    "Жданов",
]
_TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "e",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "_",
            "y",
            "_",
            "e",
            "yu",
            "ya",
        ],
        strict=True,
    )
)
_CITIES = (
    "Москва",
    "Москва",
    "Москва",
    "Санкт-Петербург",
    "Санкт-Петербург",
    "Новосибирск",
    "Казань",
    "Екатеринбург",
    "удалённо",
)

# Hiring roadmap (DESIGN s4 O2: 25 by month 6 of FY2025, ~40 by the end of FY2026).
_INITIAL = ("1", "1", "1", "1", "1", "2", "2", "3", "tam", "tam")
_HIRES = {
    "2025-02": "1 1",
    "2025-03": "1 1 2",
    "2025-04": "1 1 3",
    "2025-05": "1 1 2 tam",
    "2025-06": "1 1 2 3",
    "2025-07": "1",
    "2025-08": "2",
    "2025-09": "1 tam",
    "2025-10": "1",
    "2025-11": "3",
    "2025-12": "1",
    "2026-01": "1",
    "2026-02": "2",
    "2026-03": "1",
    "2026-04": "tam",
    "2026-05": "1",
    "2026-06": "3 1",
    "2026-07": "1",
    "2026-08": "2",
    "2026-09": "1",
    "2026-10": "1",
    "2026-11": "2",
}
# (index in hire order, leave month): tier-1 and tier-2 engineers who leave.
_LEAVERS = {11: "2025-05", 14: "2025-10", 16: "2026-03", 20: "2026-07", 25: "2026-10"}


def translit(text: str) -> str:
    return "".join(_TRANSLIT.get(ch, ch) for ch in text.lower()).replace("_", "")


@dataclass
class Engineers:
    ids: list[str]
    tier: np.ndarray  # 0..3 (tier1, tier2, tier3, tam)
    team: list[str]
    is_lead: np.ndarray
    hired: np.ndarray  # epoch s
    left: np.ndarray  # epoch s, inf when still employed
    speed: np.ndarray  # capacity weight
    p_fr: np.ndarray  # base first-response breach probability
    p_res: np.ndarray  # base resolution breach probability
    p_reopen: np.ndarray
    csat_bias: np.ndarray  # added to the probability of a 4-5 score
    qa_mean: np.ndarray
    p_one_touch: np.ndarray  # chance a ticket this engineer solves needs one public reply
    frame: pl.DataFrame

    def eligible(self, tier: int, month_start: float, month_end: float) -> np.ndarray:
        """Indices of engineers of a tier working for the whole month (fallback: any)."""
        ok = (self.tier == tier) & (self.hired <= month_start) & (self.left > month_end)
        idx = np.flatnonzero(ok)
        if idx.size == 0:
            idx = np.flatnonzero((self.tier == tier) & (self.hired <= month_end))
        if idx.size == 0:
            idx = np.flatnonzero(self.tier == tier)
        return idx


def make_engineers(rng: np.random.Generator, end_ts: float) -> Engineers:
    plan: list[tuple[str, date]] = []
    for i, tier in enumerate(_INITIAL):
        plan.append((tier, date(2023, 3, 1) + timedelta(days=int(i * 60 + rng.integers(0, 40)))))
    for month, tiers in _HIRES.items():
        y, m = map(int, month.split("-"))
        for tier in tiers.split():
            plan.append((tier, date(y, m, int(rng.integers(1, 16)))))
    n = len(plan)
    names: set[str] = set()
    rows = []
    tier_idx = np.zeros(n, dtype=np.int64)
    teams: list[str] = []
    leads: dict[str, str] = {}
    is_lead = np.zeros(n, dtype=bool)
    hired = np.zeros(n)
    left = np.full(n, np.inf)
    t1_count = 0
    for i, (tier, hdate) in enumerate(plan):
        eid = f"ENG{i + 1:03d}"
        tier_idx[i] = ENGINEER_TIER.index(tier)
        if tier == "1":
            team = "t1-spb" if hdate >= date(2025, 4, 1) and t1_count % 2 == 0 else "t1-msk"
            if hdate >= date(2025, 4, 1):
                t1_count += 1
        else:
            team = {"2": "t2", "3": "t3", "tam": "tam"}[tier]
        if team not in leads:
            leads[team] = eid
            is_lead[i] = True
        teams.append(team)
        while True:
            female = rng.random() < 0.35
            first = str(rng.choice(_FEMALE if female else _MALE))
            surname = str(rng.choice(_SURNAMES))
            if female:
                surname += "а"
            full = f"{first} {surname}"
            if full not in names:
                names.add(full)
                break
        hired[i] = epoch(hdate) + 9 * 3600  # 09:00 Moscow
        if i in _LEAVERS:
            y, m = map(int, _LEAVERS[i].split("-"))
            left[i] = epoch(date(y, m, int(rng.integers(10, 28)))) + 18 * 3600
        location = "Санкт-Петербург" if team == "t1-spb" else str(rng.choice(_CITIES))
        surname_latin = translit(surname)
        rows.append(
            {
                "engineer_id": eid,
                "full_name": full,
                "email": f"{translit(first)}.{surname_latin}@support.pulse.example",
                "team_id": team,
                "team_name": TEAMS[team][0],
                "support_tier": tier,
                "lead_id": None if is_lead[i] else leads[team],
                "hired_at": ts_text(hired[i]),
                "left_at": ts_text(left[i]) if np.isfinite(left[i]) and left[i] <= end_ts else None,
                "location": location,
            }
        )
    # Skill: most engineers meet their targets, a few struggle, leads are steady.
    speed = rng.uniform(0.75, 1.3, n) * np.where(is_lead, 0.6, 1.0)
    p_fr = rng.beta(2, 55, n)  # mean ~3.5 %
    p_res = rng.beta(2, 40, n)  # mean ~5 %
    strugglers = rng.choice(np.flatnonzero(~is_lead), size=4, replace=False)
    p_fr[strugglers] *= 3.0
    p_res[strugglers] *= 2.5
    p_fr[is_lead] *= 0.5
    p_res[is_lead] *= 0.6
    p_reopen = rng.uniform(0.03, 0.09, n)
    p_reopen[strugglers] += 0.05
    csat_bias = rng.normal(0.0, 0.05, n)
    csat_bias[strugglers] -= 0.08
    qa_base = np.array([79.0, 86.0, 90.0, 87.0])[tier_idx]
    qa_mean = np.clip(qa_base + rng.normal(0, 4, n), 60, 97)
    qa_mean[strugglers] -= 8
    # One-touch skill (per-engineer FCR: solved with one public reply), drawn last so the
    # draws above keep their values. Centred so that after pending tickets (never one
    # touch) and reopens the tier lands near its FCR target (45/55/65 %), with a spread
    # wide enough that some engineers miss it: what a team lead has to manage.
    touch_base = np.array([0.74, 0.60, 0.64, 0.60])[tier_idx]
    p_one_touch = touch_base + rng.normal(0, 0.12, n)
    p_one_touch[strugglers] -= 0.15
    p_one_touch = np.clip(p_one_touch, 0.15, 0.97)
    keep = hired <= end_ts
    frame = pl.DataFrame(
        [r for r, k in zip(rows, keep, strict=True) if k],
        schema={
            "engineer_id": pl.String,
            "full_name": pl.String,
            "email": pl.String,
            "team_id": pl.String,
            "team_name": pl.String,
            "support_tier": pl.String,
            "lead_id": pl.String,
            "hired_at": pl.String,
            "left_at": pl.String,
            "location": pl.String,
        },
    )
    return Engineers(
        ids=[r["engineer_id"] for r in rows],
        tier=tier_idx,
        team=teams,
        is_lead=is_lead,
        hired=hired,
        left=left,
        speed=speed,
        p_fr=p_fr,
        p_res=p_res,
        p_reopen=p_reopen,
        csat_bias=csat_bias,
        qa_mean=qa_mean,
        p_one_touch=p_one_touch,
        frame=frame,
    )


# ---------------------------------------------------------------- accounts, contracts

_INDUSTRIES = (
    "fintech",
    "retail",
    "e-commerce",
    "media",
    "gaming",
    "manufacturing",
    "government",
    "healthcare",
    "education",
    "logistics",
    "telecom",
    "it_services",
)
_NAME_A = [
    "Альфа",
    "Вектор",
    "Север",
    "Орбита",
    "Кристалл",
    "Нева",
    "Байкал",
    "Урал",
    "Гранит",
    "Меридиан",
    "Созвездие",
    "Полюс",
    "Восход",
    "Импульс",
    "Атлас",
    "Сфера",
    "Квант",
    "Ладога",
    "Тайга",
    "Аврора",
    "Пульсар",
    "Горизонт",
    "Легион",
    "Рубин",
    "Сигма",
    "Омега",
    "Дельта",
    "Спектр",
    "Форпост",
    "Магистраль",
]
_NAME_B = [
    "Софт",
    "Лаб",
    "Трейд",
    "Медиа",
    "Логистик",
    "Финанс",
    "Технологии",
    "Системы",
    "Групп",
    "Инвест",
    "Телеком",
    "Ритейл",
    "Девелопмент",
    "Digital",
    "Cloud",
]
_NAME_FORM = ("ООО «{}»", "АО «{}»", "ПАО «{}»", "{}")
_EU_NAMES = [
    "Nordlicht",
    "Baltic",
    "Helix",
    "Danube",
    "Alpine",
    "Vistula",
    "Adriatic",
    "Carpathia",
    "Lumen",
    "Kestrel",
    "Northwind",
    "Meridian",
]
_EU_SUFFIX = ("GmbH", "s.r.o.", "Sp. z o.o.", "Ltd", "B.V.", "SIA")

# Ticket weight of an account by tier and segment (premium accounts file far more).
TIER_WEIGHT = np.array([1.6, 1.3, 1.0, 1.2])
SEGMENT_WEIGHT = np.array([2.5, 1.2, 0.7, 0.6, 1.8])
_SEG_TIER_P = np.array(
    [
        [0.45, 0.40, 0.15, 0.00],  # enterprise
        [0.10, 0.40, 0.40, 0.10],  # mid_market
        [0.00, 0.15, 0.45, 0.40],  # smb
        [0.00, 0.05, 0.35, 0.60],  # startup
        [0.30, 0.50, 0.20, 0.00],  # public_sector
    ]
)
_SEG_MRR = np.array([2_500_000, 600_000, 120_000, 60_000, 1_500_000], dtype=float)  # RUB
_SEG_PRODUCTS = ((3, 6), (2, 4), (1, 3), (1, 3), (3, 5))
_SEG_CONTACTS = ((3, 6), (2, 4), (1, 3), (1, 2), (2, 5))
_PLAN_MRR = np.array([900_000, 250_000, 50_000, 0], dtype=float)  # RUB per month
_PRODUCTS = (
    "compute",
    "kubernetes",
    "dbaas",
    "object_storage",
    "data_platform",
    "private_cloud",
    "other",
)
_PRODUCT_P = np.array([0.28, 0.18, 0.16, 0.16, 0.08, 0.06, 0.08])
RUB_PER = {"RUB": 1.0, "USD": 90.0, "EUR": 98.0}


@dataclass
class Accounts:
    ids: list[str]
    segment: np.ndarray
    region: np.ndarray
    created: np.ndarray  # epoch s
    churn: np.ndarray  # epoch s of churn, inf if none
    tier0: np.ndarray  # tier of first plan
    tier1: np.ndarray  # tier after change (== tier0 when none)
    change_at: np.ndarray  # epoch s of tier change, inf if none
    tam: np.ndarray  # engineer index or -1
    contacts: np.ndarray  # number of contacts
    size: np.ndarray  # ticket weight noise
    lang_en: np.ndarray  # probability of English tickets
    frame: pl.DataFrame
    contracts: pl.DataFrame

    def tier_at(self, acc: np.ndarray, ts: np.ndarray) -> np.ndarray:
        return np.where(ts >= self.change_at[acc], self.tier1[acc], self.tier0[acc])

    def active_weights(self, ts: float) -> np.ndarray:
        tier = np.where(ts >= self.change_at, self.tier1, self.tier0)
        w = TIER_WEIGHT[tier] * SEGMENT_WEIGHT[self.segment] * self.size
        return np.where((self.created <= ts) & (self.churn > ts), w, 0.0)


def make_accounts(
    rng: np.random.Generator, n: int, start_ts: float, end_ts: float, eng: Engineers
) -> Accounts:
    horizon = start_ts + 730 * DAY
    seg = rng.choice(5, size=n, p=[0.10, 0.25, 0.35, 0.20, 0.10])
    region = rng.choice(6, size=n, p=[0.44, 0.17, 0.22, 0.07, 0.04, 0.06])
    old = rng.random(n) < 0.75
    created = np.where(
        old,
        rng.uniform(epoch(date(2020, 6, 1)), start_ts - 30 * DAY, n),
        start_ts + 730 * DAY * rng.beta(1.2, 1.0, n),
    )
    created = msk_day(created) + rng.integers(9, 19, n) * 3600.0  # daytime, Moscow
    active_from = np.maximum(created, start_ts)
    churn_years = rng.exponential(1 / 0.055, n)
    churn = active_from + churn_years * 365 * DAY
    churn = np.where(churn < horizon, msk_day(churn), np.inf)
    tier0 = np.array([rng.choice(4, p=_SEG_TIER_P[s]) for s in seg])
    change = rng.random(n)
    tier1 = tier0.copy()
    up = (change < 0.20) & (tier0 > 0)
    down = (change > 0.96) & (tier0 < 3)
    tier1[up] -= 1
    tier1[down] += 1
    change_at = np.where(
        up | down,
        msk_day(
            active_from
            + 30 * DAY
            + np.maximum(horizon - active_from - 30 * DAY, DAY) * rng.random(n)
        ),
        np.inf,
    )
    change_at = np.where(change_at < churn, change_at, np.inf)
    tier1 = np.where(np.isfinite(change_at), tier1, tier0)
    tams = np.flatnonzero(eng.tier == 3)
    tam_w = np.linspace(2.0, 1.0, tams.size)
    ever_premium = (tier0 == 0) | (tier1 == 0)
    tam = np.where(ever_premium, rng.choice(tams, size=n, p=tam_w / tam_w.sum()), -1)
    contacts = np.array([rng.integers(*_SEG_CONTACTS[s], endpoint=True) for s in seg])
    size = rng.lognormal(0, 0.6, n)
    lang_en = np.array([0.06, 0.08, 0.08, 0.35, 0.1, 0.85])[region]
    ids = [f"ACC{i + 1:05d}" for i in range(n)]

    names = []
    used: set[str] = set()
    for i in range(n):
        for attempt in range(20):
            if region[i] == 5:
                name = (
                    f"{rng.choice(_EU_NAMES)} {rng.choice(_NAME_B[-2:])} {rng.choice(_EU_SUFFIX)}"
                )
            else:
                name = str(rng.choice(_NAME_FORM)).format(
                    f"{rng.choice(_NAME_A)}{rng.choice(_NAME_B)}"
                )
            if attempt > 10:
                name = f"{name} {i + 1}"
            if name not in used:
                used.add(name)
                break
        names.append(name)
    visible = created <= end_ts
    industry = rng.choice(len(_INDUSTRIES), size=n)
    industry = np.where(seg == 4, _INDUSTRIES.index("government"), industry)
    frame = pl.DataFrame(
        {
            "account_id": ids,
            "account_name": names,
            "industry": [_INDUSTRIES[k] for k in industry],
            "segment": [SEGMENTS[s] for s in seg],
            "region": [REGIONS[r] for r in region],
            "tam_id": [eng.ids[t] if t >= 0 and eng.hired[t] <= end_ts else None for t in tam],
            "created_at": [ts_text(c) for c in created],
        }
    ).filter(pl.Series(visible))

    # Contracts: products with expansion and contraction, support plans, churn.
    rows: list[dict] = []
    cid = 0

    def day_of(ts: float) -> date:
        return msk_date(ts)

    def add(
        acc: int, product: str, tier: str | None, s_ts: float, e_ts: float, mrr_rub: float, cur: str
    ) -> None:
        nonlocal cid
        if s_ts > end_ts:
            return
        cid += 1
        rows.append(
            {
                "contract_id": f"CTR{cid:06d}",
                "account_id": ids[acc],
                "product": product,
                "support_tier": tier,
                "start_date": day_of(s_ts).isoformat(),
                "end_date": day_of(e_ts).isoformat()
                if np.isfinite(e_ts) and e_ts <= end_ts
                else None,
                "mrr": f"{mrr_rub / RUB_PER[cur]:.2f}",
                "currency": cur,
            }
        )

    for a in range(n):
        if region[a] == 5:
            cur = "EUR" if rng.random() < 0.6 else "USD"
        elif region[a] == 3:
            cur = "USD" if rng.random() < 0.5 else "RUB"
        else:
            cur = "USD" if rng.random() < 0.03 else "RUB"
        k = int(rng.integers(*_SEG_PRODUCTS[seg[a]], endpoint=True))
        products = rng.choice(
            len(_PRODUCTS), size=min(k, len(_PRODUCTS)), replace=False, p=_PRODUCT_P
        )
        base = _SEG_MRR[seg[a]] * size[a]
        for j, p in enumerate(products):
            s = created[a] if j == 0 else created[a] + rng.uniform(0, 900) * DAY
            s = msk_day(s)
            if s >= churn[a]:
                continue
            mrr = base * rng.lognormal(0, 0.5) / max(1, k) * (1.6 if j == 0 else 1.0)
            step = rng.random()
            if step < 0.30 or step > 0.92:  # expansion or contraction at a later date
                x = msk_day(s + rng.uniform(60, 700) * DAY)
                if x < churn[a]:
                    add(a, _PRODUCTS[p], None, s, x - DAY, mrr, cur)
                    factor = rng.uniform(1.2, 1.9) if step < 0.30 else rng.uniform(0.4, 0.8)
                    add(a, _PRODUCTS[p], None, x, churn[a] - DAY, mrr * factor, cur)
                    continue
            add(a, _PRODUCTS[p], None, s, churn[a] - DAY, mrr, cur)
        # Growth during the strategy years: add-on contracts (net expansion ~15-20 % a year).
        for lo, hi, rate in (
            (start_ts, start_ts + 365 * DAY, 0.42),
            (start_ts + 365 * DAY, horizon, 0.95),
        ):
            grow_from = max(float(created[a]), lo)
            grow_to = min(float(churn[a]), hi)
            if grow_to <= grow_from:
                continue
            years_active = (grow_to - grow_from) / (365 * DAY)
            for _ in range(int(rng.poisson(rate * years_active))):
                x = msk_day(grow_from + rng.random() * (grow_to - grow_from))
                p = int(rng.choice(len(_PRODUCTS), p=_PRODUCT_P))
                mrr = base * rng.uniform(0.15, 0.5)
                add(a, _PRODUCTS[p], None, x, churn[a] - DAY, mrr, cur)
        # Support plans: free accounts often have none; a tier change ends one plan.
        plan_start = msk_day(created[a])
        segments = [(tier0[a], plan_start, change_at[a])]
        if np.isfinite(change_at[a]):
            segments.append((tier1[a], change_at[a], churn[a]))
        else:
            segments[0] = (tier0[a], plan_start, churn[a])
        for t, s, e in segments:
            if t == 3 and rng.random() < 0.5:
                continue
            fee = _PLAN_MRR[t] * rng.uniform(0.8, 1.3)
            add(a, "support_plan", TIERS[t], s, e - DAY, fee, cur)
    contracts = pl.DataFrame(
        rows,
        schema={
            "contract_id": pl.String,
            "account_id": pl.String,
            "product": pl.String,
            "support_tier": pl.String,
            "start_date": pl.String,
            "end_date": pl.String,
            "mrr": pl.String,
            "currency": pl.String,
        },
    )
    return Accounts(
        ids=ids,
        segment=seg,
        region=region,
        created=created,
        churn=churn,
        tier0=tier0,
        tier1=tier1,
        change_at=change_at,
        tam=tam,
        contacts=contacts,
        size=size,
        lang_en=lang_en,
        frame=frame,
        contracts=contracts,
    )
