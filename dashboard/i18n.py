"""Every user-visible string in Russian and English, and the choice between them.

The language comes from, in order: a `lang` query parameter (so a shared link keeps
its language), the `pulse_lang` cookie set by the RU/EN switch, then the browser's
Accept-Language (Russian for `ru` browsers, English otherwise) (DESIGN s1).
"""

from __future__ import annotations

LANGS = ("ru", "en")
DEFAULT_LANG = "ru"
COOKIE = "pulse_lang"

# key: (ru, en)
TR: dict[str, tuple[str, str]] = {
    # shell
    "app.title": ("Support Pulse", "Support Pulse"),
    "nav.okr": ("OKR", "OKR"),
    "nav.sla": ("SLA", "SLA"),
    "nav.teams": ("Команды", "Teams"),
    "nav.customers": ("Клиенты", "Customers"),
    "nav.revenue": ("Выручка и затраты", "Revenue & efficiency"),
    "nav.wall": ("Табло", "Wall"),
    "nav.quality": ("Качество данных", "Data quality"),
    "nav.whatif": ("Что если", "What-if"),
    "lang.switch": ("Язык", "Language"),
    "asof.label": ("Данные на", "Data as of"),
    "asof.stale": (
        "Данные устарели: обновлены {age} назад",
        "Stale data: last updated {age} ago",
    ),
    "asof.build": ("сборка", "build"),
    "empty.no_warehouse": (
        "Хранилище ещё не собрано. Выполните `pulse load` и `pulse build` (или `make run`).",
        "No warehouse yet. Run `pulse load` and `pulse build` (or `make run`).",
    ),
    "empty.no_table": (
        "В хранилище нет витрины {table}. Пересоберите его: `pulse build`.",
        "The warehouse has no {table} mart yet. Rebuild it: `pulse build`.",
    ),
    "empty.filter": (
        "Нет данных для выбранных фильтров. Снимите часть фильтров или выберите другой период.",
        "Nothing matches these filters. Clear some filters or pick another period.",
    ),
    "empty.nodata": ("Нет данных за этот период.", "No data for this period."),
    "empty.broken_warehouse": (
        "Опубликованное хранилище не читается (файл повреждён): выполните "
        "`pulse build --full-refresh`.",
        "The published warehouse cannot be read (the file is damaged): run "
        "`pulse build --full-refresh`.",
    ),
    "empty.forbidden": (
        "У вас нет доступа к этим данным.",
        "You do not have access to this data.",
    ),
    "notfound.title": ("Страница не найдена", "Page not found"),
    "notfound.body": (
        "Такой страницы нет. Вернитесь на главную страницу OKR.",
        "There is no such page. Go back to the OKR overview.",
    ),
    "notfound.home": ("На главную", "Home"),
    "export.csv": ("Выгрузить CSV", "Export CSV"),
    "grid.rows": ("строк: {n}", "{n} rows"),
    "chart.compliance_pct": ("Соблюдение SLA, %", "SLA compliance, %"),
    "chart.day": ("День", "Day"),
    "chart.period": ("Период", "Period"),
    "chart.month": ("Месяц", "Month"),
    "chart.cost_usd": ("Стоимость тикета, USD", "Cost per ticket, USD"),
    "chart.cost_rub": ("Стоимость тикета, ₽", "Cost per ticket, RUB"),
    "chart.share_of_mrr": ("Доля MRR начала периода, %", "Share of opening MRR, %"),
    "teams.target_by_tier": ("цель по линии", "target by line"),
    "all": ("Все", "All"),
    "filter.year": ("Год", "Year"),
    "filter.quarter": ("Квартал", "Quarter"),
    "filter.tier": ("Уровень поддержки", "Support tier"),
    "filter.region": ("Регион", "Region"),
    "filter.segment": ("Сегмент", "Segment"),
    "filter.metric": ("Метрика", "Metric"),
    "filter.period": ("Период", "Period"),
    "filter.from": ("С", "From"),
    "filter.to": ("По", "To"),
    "filter.reset": ("Сбросить фильтры", "Reset filters"),
    "filter.note_unfiltered": (
        "не зависит от фильтров",
        "not affected by filters",
    ),
    # statuses
    "status.on_track": ("В графике", "On track"),
    "status.at_risk": ("Под угрозой", "At risk"),
    "status.off_track": ("Отстаёт", "Off track"),
    "status.no_data": ("Нет данных", "No data"),
    "check.on_track": ("Всё в порядке", "All good"),
    "check.at_risk": ("Есть замечания", "Needs attention"),
    "check.off_track": ("Проблема", "Problem"),
    "check.no_data": ("Нет данных", "No data"),
    "outcome.met": ("Выполнен", "Met"),
    "outcome.breached": ("Нарушен", "Breached"),
    "outcome.pending": ("Идёт", "Running"),
    "outcome.paused": ("Пауза", "Paused"),
    # tiers, priorities, metrics
    "tier.premium": ("Премиум", "Premium"),
    "tier.professional": ("Профессиональный", "Professional"),
    "tier.standard": ("Стандартный", "Standard"),
    "tier.free": ("Бесплатный", "Free"),
    "prio.critical": ("Критический", "Critical"),
    "prio.high": ("Высокий", "High"),
    "prio.medium": ("Средний", "Medium"),
    "prio.low": ("Низкий", "Low"),
    "metric.first_response": ("Первый ответ", "First response"),
    "metric.resolution": ("Решение", "Resolution"),
    "metric.overall": ("Общий SLA", "Overall SLA"),
    "metric.next_reply": ("Следующий ответ", "Next reply"),
    "whatif.title": ("Что если: черновик политики SLA", "What-if: a draft SLA policy"),
    "whatif.scenario": ("Сценарий", "Scenario"),
    "whatif.hint": (
        "Черновик считается теми же часами SLA, что и действующая политика; "
        "рабочие цифры не меняются. Итог относится к периоду по моменту итога.",
        "The draft runs on the same SLA clocks as the live policy; production numbers "
        "do not change. An outcome counts in the period its moment falls in.",
    ),
    "whatif.none": (
        "Нет черновиков, меняющих итоги. Добавьте строки в `seeds/sla_policy_drafts.csv` "
        "и выполните `pulse build`.",
        "No draft changes any outcome. Add rows to `seeds/sla_policy_drafts.csv` and run "
        "`pulse build`.",
    ),
    "whatif.matrix": ("Соблюдение SLA: сейчас и по черновику", "Compliance: live and draft"),
    "whatif.tickets": ("Заявки, у которых меняется итог", "Tickets whose outcome changes"),
    "whatif.headline": (
        "{tier} · {prio} · {metric}: {live} → {draft}, меняется итогов: {n}",
        "{tier} · {prio} · {metric}: {live} → {draft}, {n} outcomes change",
    ),
    "whatif.live": ("Сейчас", "Live"),
    "whatif.draft": ("Черновик", "Draft"),
    "whatif.met": ("выполнено", "met"),
    "whatif.breached": ("нарушено", "breached"),
    "whatif.changed": ("Меняется", "Changed"),
    "whatif.no_change": (
        "В этом периоде черновик не меняет ни одного итога.",
        "In this period the draft changes no outcome.",
    ),
    # OKR page
    "okr.title": ("Цели и ключевые результаты", "Objectives and key results"),
    "okr.value": ("Значение", "Value"),
    "okr.target": ("Цель периода", "Period target"),
    "okr.projection": ("Прогноз на конец квартала", "Projection to quarter end"),
    "okr.projection_year": ("Прогноз на конец года", "Projection to year end"),
    "okr.no_projection": (
        "без прогноза: есть только текущее значение, см. динамику",
        "no projection: only the current value is known, see the trend",
    ),
    "okr.no_slice_target": ("Цель срезу не задана", "No target for this slice"),
    "okr.n": ("n = {n}", "n = {n}"),
    "status.low_n": ("Мало ответов", "Too few responses"),
    "status.no_target": ("Без цели", "No target"),
    "okr.elapsed": ("Прошло {pct} квартала", "{pct} of the quarter elapsed"),
    "okr.elapsed_year": ("Прошло {pct} года", "{pct} of the year elapsed"),
    "okr.trend": ("По месяцам", "By month"),
    "okr.explain": ("Подробнее", "Details"),
    "okr.manual": ("вносится вручную", "entered manually"),
    "okr.filtered": (
        "Пересчитано по фильтрам",
        "Recomputed for the filters",
    ),
    "okr.lower_better": ("меньше — лучше", "lower is better"),
    "okr.summary": (
        "{on} в графике · {risk} под угрозой · {off} отстаёт",
        "{on} on track · {risk} at risk · {off} off track",
    ),
    # digests (dashboard/digest): e-mail and PDF
    "digest.vp-weekly": ("Еженедельный отчёт руководителя поддержки", "VP weekly digest"),
    "digest.lead-weekly": ("Еженедельный отчёт руководителя команды", "Team lead weekly digest"),
    "digest.okr-quarterly": ("Квартальный обзор OKR", "Quarterly OKR review"),
    "digest.period": ("Период: {start} — {end}", "Period: {start} to {end}"),
    "digest.as_of": ("Данные на {moment} (МСК)", "Data as of {moment} (Moscow)"),
    "digest.teams": ("Команды: {teams}", "Teams: {teams}"),
    "digest.krs": ("Ключевые результаты", "Key results"),
    "digest.kr": ("Ключевой результат", "Key result"),
    "digest.status": ("Статус", "Status"),
    "digest.change": ("За неделю", "Change in a week"),
    "digest.no_history": (
        "Изменение за неделю появится со второго отчёта: прошлых значений ещё нет.",
        "The change since last week appears from the second digest on: no earlier values yet.",
    ),
    "digest.movers": ("Три главных изменения", "Three biggest movers"),
    "digest.no_movers": ("Нет изменений для сравнения.", "No changes to compare yet."),
    "digest.breaches_by_tier": ("Нарушения SLA по уровням", "SLA breaches by tier"),
    "digest.tier": ("Уровень", "Tier"),
    "digest.met": ("В срок", "Met"),
    "digest.breached": ("Нарушено", "Breached"),
    "digest.compliance": ("Соблюдение", "Compliance"),
    "digest.prev_week": ("Неделей раньше", "Week before"),
    "digest.breaches_n": ("нарушений: {n}", "{n} breached"),
    "digest.chart_breaches": (
        "Нарушения за период по уровням: первый ответ и решение",
        "Breaches in the period by tier: first response and resolution",
    ),
    "digest.engineers": ("Инженеры против целей своей линии", "Engineers against tier targets"),
    "digest.engineer": ("Инженер", "Engineer"),
    "digest.team": ("Команда", "Team"),
    "digest.engineer_tier": ("Линия", "Tier"),
    "digest.response": ("Первый ответ", "First response"),
    "digest.resolution": ("Решение", "Resolution"),
    "digest.fcr": ("FCR", "FCR"),
    "digest.csat": ("CSAT", "CSAT"),
    "digest.handled": ("Заявок", "Tickets"),
    "digest.escalations": ("Эскалации", "Escalations"),
    "digest.target": ("цель {value}", "target {value}"),
    "digest.missed": ("ниже цели", "below target"),
    "digest.outliers": ("Выбросы", "Outliers"),
    "digest.outlier_rule": (
        "Отставание от цели линии на {points} п. п. и больше, не меньше {n} наблюдений.",
        "{points} points or more off the tier target, with at least {n} observations.",
    ),
    "digest.no_outliers": ("Выбросов нет.", "No outliers."),
    "digest.breached_tickets": ("Заявки с нарушением SLA", "Tickets that breached"),
    "digest.ticket": ("Заявка", "Ticket"),
    "digest.priority": ("Приоритет", "Priority"),
    "digest.metric": ("Метрика", "Metric"),
    "digest.due": ("Срок", "Due"),
    "digest.more": ("и ещё {n}", "and {n} more"),
    "digest.none": ("Нет.", "None."),
    "digest.chart_engineers": (
        "Соблюдение SLA решения по инженерам (черта — цель)",
        "Resolution SLA compliance by engineer (tick: target)",
    ),
    "digest.quarter": ("Квартал {quarter}", "Quarter {quarter}"),
    "digest.actual": ("Факт", "Actual"),
    "digest.target_col": ("Цель", "Target"),
    "digest.projection": ("Прогноз", "Projection"),
    "digest.projected_status": ("Прогноз статуса", "Projected status"),
    "digest.trend": ("По месяцам", "By month"),
    "digest.open": ("Открыть в Support Pulse", "Open in Support Pulse"),
    "digest.pdf_note": ("PDF-версия во вложении.", "The PDF version is attached."),
    # key results (DESIGN s4; the mart's English names are the fallback)
    "kr.csat": ("CSAT (доля оценок 4–5)", "CSAT (share of 4–5 scores)"),
    "kr.nps": ("NPS", "NPS"),
    "kr.first_response_sla": ("Первый ответ в рамках SLA", "First-response SLA compliance"),
    "kr.resolution_sla": ("Решение в рамках SLA", "Resolution SLA compliance"),
    "kr.sla_compliance": (
        "Соблюдение SLA (ответ и решение)",
        "SLA compliance (response and resolution)",
    ),
    "kr.fcr": ("Решение с первого контакта", "First-contact resolution"),
    "kr.success_stories": (
        "Истории успеха с участием поддержки",
        "Customer success stories featuring support",
    ),
    "kr.headcount": ("Численность команды", "Headcount"),
    "kr.team_retention": ("Удержание сотрудников", "Team retention"),
    "kr.certified_share": (
        "Инженеры с целевой сертификацией",
        "Engineers certified at target level",
    ),
    "kr.enps": ("Удовлетворённость команды (eNPS)", "Team satisfaction (eNPS)"),
    "kr.compliance_violations": ("Нарушения комплаенса", "Compliance violations"),
    "kr.kb_articles": (
        "Опубликованные статьи БЗ (нарастающим итогом)",
        "Published KB articles (cumulative)",
    ),
    "kr.kb_monthly_views": ("Просмотры БЗ в месяц", "Monthly KB views"),
    "kr.community_members": ("Участники сообщества", "Community members"),
    "kr.cost_per_ticket": ("Стоимость заявки", "Support cost per ticket"),
    "kr.automation_share": (
        "Заявки 1-й линии, решённые автоматизацией",
        "Tier-1 tickets handled by automation",
    ),
    "kr.attributed_revenue": (
        "Выручка с участием поддержки (с начала года)",
        "Support-attributed revenue (year to date)",
    ),
    "kr.customer_retention": (
        "Удержание клиентов (с начала года)",
        "Customer retention (year to date)",
    ),
    "kr.net_expansion": ("Чистое расширение (с начала года)", "Net expansion (year to date)"),
    "kr.escalation_rate": ("Доля эскалаций", "Escalation rate"),
    "obj.O1": ("O1 · Лучший клиентский опыт на рынке", "O1 · Market-leading customer experience"),
    "obj.O2": ("O2 · Высокоэффективная команда", "O2 · High-performance team"),
    "obj.O3": ("O3 · Инфраструктура знаний", "O3 · Knowledge infrastructure"),
    "obj.O4": ("O4 · Финансовая эффективность", "O4 · Financial efficiency"),
    "obj.KPI": ("Бизнес-показатели", "Business KPIs"),
    "okr.full_year": ("Весь год", "Full year"),
    "okr.low_n": ("мало ответов", "few responses"),
    "okr.projected": ("прогноз: {status}", "projected: {status}"),
    "okr.no_krs": (
        "Для этого периода нет ключевых результатов. Выберите другой год или квартал.",
        "No key results for this period. Pick another year or quarter.",
    ),
    # KR breakdown page (/okr/kr/<kr_id>)
    "krb.title": ("Ключевой результат", "Key result"),
    "krb.back": ("К целям и ключевым результатам", "Back to objectives and key results"),
    "krb.explain": ("Страница показателя", "The metric's page"),
    "krb.target": ("Цель", "Target"),
    "krb.status": ("Статус", "Status"),
    "krb.by.tier": ("По уровням поддержки", "By support tier"),
    "krb.by.segment": ("По сегментам", "By segment"),
    "krb.by.region": ("По регионам", "By region"),
    "krb.by.team": ("По командам", "By team"),
    "krb.by.month": ("По месяцам", "By month"),
    "krb.none.tier": (
        "Этот ключевой результат не делится по уровням поддержки.",
        "This key result is not broken down by support tier.",
    ),
    "krb.none.segment": (
        "Этот ключевой результат не делится по сегментам.",
        "This key result is not broken down by segment.",
    ),
    "krb.none.region": (
        "Этот ключевой результат не делится по регионам.",
        "This key result is not broken down by region.",
    ),
    "krb.none.team": (
        "По командам — только без фильтров и для показателей, которые команды ведут по "
        "инженерам (CSAT, FCR, эскалации, SLA, статьи базы знаний): команда не делится по "
        "сегментам и регионам клиентов.",
        "By team only without filters and for the metrics teams track per engineer (CSAT, "
        "FCR, escalation, SLA, KB articles): a team is not split by customer segment or "
        "region.",
    ),
    "krb.none.month": ("Нет значений по месяцам за период.", "No monthly values for the period."),
    "krb.team_note": (
        "Команды — показатели страницы команд (по решившему инженеру) против целей команды.",
        "Teams: the teams page's figures (by the engineer who solved) against the team's "
        "own target.",
    ),
    "krb.unfiltered": (
        "Этот ключевой результат не делится по выбранным фильтрам: показан итог.",
        "This key result does not break down by the chosen filters: the total is shown.",
    ),
    "krb.not_found": (
        "Ключевого результата «{id}» нет. Вернитесь к целям и выберите карточку.",
        "There is no key result “{id}”. Go back to the objectives and pick a card.",
    ),
    "krb.not_this_year": (
        "В {year} году такого ключевого результата нет. Выберите другой год.",
        "This key result is not set for {year}. Pick another year.",
    ),
    # SLA page
    "sla.title": ("Соблюдение SLA", "SLA compliance"),
    "sla.matrix": (
        "Соблюдение по уровню, приоритету и метрике",
        "Compliance by tier, priority and metric",
    ),
    "sla.trend": ("Соблюдение по дням и цель уровня", "Daily compliance against tier target"),
    "sla.dist_fr": ("Время первого ответа", "First-response time"),
    "sla.dist_res": ("Время решения", "Resolution time"),
    "sla.breaches_by": ("Нарушения по разрезам", "Breaches by dimension"),
    "sla.by_area": ("Продуктовая область", "Product area"),
    "sla.by_team": ("Команда", "Team"),
    "sla.by_channel": ("Канал", "Channel"),
    "sla.no_team": ("Без команды", "No team"),
    "sla.not_set": ("Не указано", "Not set"),
    "sla.tickets": ("Заявки", "Tickets"),
    "sla.tickets_hint": (
        "Нажмите на любой график, чтобы увидеть заявки за ним.",
        "Click any chart to list the tickets behind it.",
    ),
    "sla.selection": ("Выбрано: {what}", "Selected: {what}"),
    "sla.target": ("Цель", "Target"),
    "sla.met": ("Выполнено", "Met"),
    "sla.breached": ("Нарушено", "Breached"),
    "sla.compliance": ("Соблюдение", "Compliance"),
    "sla.minutes": ("минуты", "minutes"),
    "sla.count": ("Заявок", "Tickets"),
    "sla.target_line": ("цель {target}", "target {target}"),
    "sla.overall_kpi": ("Общее соблюдение SLA", "Overall SLA compliance"),
    "sla.breaches_kpi": ("Нарушений за период", "Breaches in the period"),
    "sla.all_breached": ("Все нарушения периода", "All breaches in the period"),
    "sla.n_tickets": ("{n} заявок (не более {limit})", "{n} tickets (at most {limit})"),
    "sla.period_days": ("{start} — {end}", "{start} to {end}"),
    "sla.bucket": ("{lo}–{hi} % цели", "{lo}–{hi} % of target"),
    "sla.dist_hint": (
        "Доля цели, израсходованная до завершения: всё правее линии 100 % — нарушение.",
        "Share of the target used before completion: everything right of the 100 % line breached.",
    ),
    "sla.median": ("медиана {m}, 90-й перцентиль {p}", "median {m}, 90th percentile {p}"),
    # tables
    "col.ticket": ("Заявка", "Ticket"),
    "col.created": ("Создана", "Created"),
    "col.tier": ("Уровень", "Tier"),
    "col.priority": ("Приоритет", "Priority"),
    "col.metric": ("Метрика", "Metric"),
    "col.outcome": ("Итог", "Outcome"),
    "col.due": ("Срок", "Due"),
    "col.elapsed": ("Прошло", "Elapsed"),
    "col.target": ("Цель", "Target"),
    "col.engineer_id": ("ID инженера", "Engineer id"),
    "col.period_start": ("Начало периода", "Period start"),
    "col.period_end": ("Конец периода", "Period end"),
    "col.period": ("Период", "Period"),
    "col.area": ("Область", "Area"),
    "col.channel": ("Канал", "Channel"),
    "col.team": ("Команда", "Team"),
    "col.engineer": ("Инженер", "Engineer"),
    "col.engineer_tier": ("Линия", "Line"),
    "col.status": ("Статус", "Status"),
    "col.week": ("Неделя", "Week"),
    "col.score": ("Оценка", "Score"),
    "col.comment": ("Комментарий", "Comment"),
    "col.date": ("Дата", "Date"),
    "col.category": ("Категория", "Category"),
    "col.language": ("Язык", "Language"),
    "col.title": ("Статья", "Article"),
    # teams page
    "teams.title": ("Инженеры и цели их линии", "Engineers against their tier targets"),
    "teams.period": ("Период: {period}", "Period: {period}"),
    "teams.aggregated": (
        "{team}: остальные инженеры (сводно)",
        "{team}: other engineers (aggregated)",
    ),
    "teams.hint": (
        "Цвет ячейки: зелёный — цель достигнута, жёлтый — близко, красный — ниже цели. "
        "Нажмите на имя, чтобы открыть карточку инженера.",
        "Cell colour: green meets the target, amber is close, red is below. "
        "Click a name to open the engineer.",
    ),
    "m.response_compliance": ("Первый ответ в SLA", "Response compliance"),
    "m.resolution_compliance": ("Решение в SLA", "Resolution compliance"),
    "m.fcr": ("Решено с первого контакта", "First-contact resolution"),
    "m.csat": ("CSAT", "CSAT"),
    "m.csat_mean": ("Средняя оценка CSAT", "Mean CSAT score"),
    "m.qa_score": ("Оценка QA", "QA score"),
    "m.tickets_handled": ("Заявок в неделю", "Tickets per week"),
    "m.kb_articles": ("Статей БЗ", "KB articles"),
    "m.escalation_rate": ("Эскалации", "Escalation rate"),
    "m.nps": ("NPS", "NPS"),
    "m.retention": ("Удержание клиентов", "Customer retention"),
    "m.net_expansion": ("Чистое расширение", "Net expansion"),
    "m.cost_per_ticket": ("Стоимость заявки", "Cost per ticket"),
    "m.automation_share": ("Доля автоматизации", "Automation share"),
    "m.attributed_revenue": ("Выручка с участием поддержки", "Support-attributed revenue"),
    "m.sla_compliance": ("Соблюдение SLA", "SLA compliance"),
    "m.win_rate": ("Доля выигранных сделок", "Win rate"),
    "m.poc_conversion": ("Конверсия POC", "POC conversion"),
    "m.avg_deal": ("Средняя сделка", "Average deal"),
    "m.cycle_days": ("Цикл сделки, дней", "Sales cycle, days"),
    "teams.weeks": ("Период", "Period"),
    "teams.empty": (
        "Нет недельных показателей инженеров. Проверьте, что `pulse build` прошёл успешно.",
        "No weekly engineer metrics yet. Check that `pulse build` succeeded.",
    ),
    "teams.value": ("Факт", "Actual"),
    "teams.target": ("Цель", "Target"),
    # engineer page
    "eng.title": ("Инженер", "Engineer"),
    "eng.weekly": ("Недельные показатели", "Weekly metrics"),
    "eng.qa": ("Проверки качества (QA)", "QA reviews"),
    "eng.csat": ("Отзывы CSAT", "CSAT comments"),
    "eng.kb": ("Статьи базы знаний", "Knowledge-base articles"),
    "eng.tickets": ("Заявки инженера", "Engineer's tickets"),
    "eng.not_found": ("Инженер {id} не найден.", "Engineer {id} not found."),
    "eng.back": ("← Все инженеры", "← All engineers"),
    "eng.no_rows": ("Нет записей.", "No records."),
    "eng.qa_total": ("Итог", "Total"),
    "eng.qa_tech": ("Техника", "Technical"),
    "eng.qa_comm": ("Коммуникация", "Communication"),
    "eng.qa_time": ("Сроки", "Timeliness"),
    "eng.qa_proc": ("Процесс", "Process"),
    "eng.qa_cs": ("Клиент", "Customer"),
    "eng.open": ("открыта", "open"),
    "eng.solved": ("Решена", "Solved"),
    # ticket page
    "tkt.title": ("Заявка {id}", "Ticket {id}"),
    "tkt.timeline": ("История событий", "Event timeline"),
    "tkt.clocks": ("Часы SLA", "SLA clocks"),
    "tkt.not_found": ("Заявка {id} не найдена.", "Ticket {id} not found."),
    "tkt.no_events": (
        "Подробная история событий в хранилище отсутствует; показаны ключевые моменты.",
        "The warehouse has no event detail for this ticket; key moments are shown.",
    ),
    "tkt.remaining": ("Осталось", "Remaining"),
    "tkt.overdue": ("Просрочено на", "Overdue by"),
    "tkt.account": ("Клиент", "Account"),
    "tkt.no_target": (
        "Без SLA (бесплатный уровень или проактивная)",
        "No SLA (free tier or proactive)",
    ),
    "ev.created": ("Создана", "Created"),
    "ev.status_changed": ("Смена статуса", "Status changed"),
    "ev.comment": ("Комментарий", "Comment"),
    "ev.assigned": ("Назначена", "Assigned"),
    "ev.group_changed": ("Смена группы", "Group changed"),
    "ev.priority_changed": ("Смена приоритета", "Priority changed"),
    "ev.first_response": ("Первый ответ", "First response"),
    "ev.solved": ("Решена", "Solved"),
    "ev.public": ("публичный", "public"),
    "ev.private": ("внутренний", "internal"),
    "tstatus.new": ("новая", "new"),
    "tstatus.open": ("открыта", "open"),
    "tstatus.pending": ("ждёт клиента", "pending"),
    "tstatus.on_hold": ("отложена", "on hold"),
    "tstatus.solved": ("решена", "solved"),
    "tstatus.closed": ("закрыта", "closed"),
    "group.tier1": ("1-я линия", "Tier 1"),
    "group.tier2": ("2-я линия", "Tier 2"),
    "group.tier3": ("3-я линия", "Tier 3"),
    "group.tam": ("TAM", "TAM"),
    "area.storage": ("Хранилище", "Storage"),
    "area.database": ("Базы данных", "Databases"),
    "area.networking": ("Сеть", "Networking"),
    "area.security": ("Безопасность", "Security"),
    "area.kubernetes": ("Kubernetes", "Kubernetes"),
    "area.billing": ("Биллинг", "Billing"),
    "area.compute": ("Вычисления", "Compute"),
    "area.other": ("Другое", "Other"),
    "channel.bot": ("Бот", "Bot"),
    "channel.web": ("Веб-форма", "Web form"),
    "channel.console": ("Консоль", "Console"),
    "channel.email": ("Эл. почта", "Email"),
    "channel.phone": ("Телефон", "Phone"),
    "channel.api": ("API", "API"),
    "channel.chat": ("Чат", "Chat"),
    "channel.monitoring": ("Мониторинг", "Monitoring"),
    "area.howto": ("Инструкции", "How-to"),
    "area.troubleshooting": ("Диагностика", "Troubleshooting"),
    "batchstatus.loaded": ("загружен", "loaded"),
    "batchstatus.skipped": ("пропущен (уже загружен)", "skipped (already loaded)"),
    "batchstatus.failed": ("ошибка", "failed"),
    "kbstatus.published": ("опубликована", "published"),
    "kbstatus.archived": ("в архиве", "archived"),
    "kbstatus.draft": ("черновик", "draft"),
    "segment.enterprise": ("Крупный бизнес", "Enterprise"),
    "segment.mid_market": ("Средний бизнес", "Mid-market"),
    "segment.smb": ("Малый бизнес", "SMB"),
    "segment.startup": ("Стартапы", "Startups"),
    "segment.public_sector": ("Госсектор", "Public sector"),
    "region.Moscow": ("Москва", "Moscow"),
    "region.St Petersburg": ("Санкт-Петербург", "St Petersburg"),
    "region.Other Russia": ("Другие регионы России", "Rest of Russia"),
    "region.Kazakhstan": ("Казахстан", "Kazakhstan"),
    "region.Belarus": ("Беларусь", "Belarus"),
    "region.EU": ("ЕС", "EU"),
    "tz.Europe/Moscow": ("Москва", "Moscow"),
    "quarter.n": ("{n} кв.", "Q{n}"),
    "dealtype.new_business": ("Новый клиент", "New business"),
    "dealtype.expansion": ("Расширение", "Expansion"),
    "dealtype.renewal": ("Продление", "Renewal"),
    "dealtype.upsell": ("Допродажа", "Upsell"),
    "competitor.arenadata": ("Arenadata", "Arenadata"),
    "competitor.yandex_cloud": ("Yandex Cloud", "Yandex Cloud"),
    "competitor.selectel": ("Selectel", "Selectel"),
    "competitor.cloud_ru": ("Cloud.ru", "Cloud.ru"),
    "competitor.azure": ("Microsoft Azure", "Microsoft Azure"),
    "competitor.astra": ("Astra", "Astra"),
    "competitor.mts": ("MWS (МТС)", "MWS (MTS)"),
    "competitor.none": ("без конкурента", "no competitor"),
    "competitor.aws": ("AWS", "AWS"),
    "competitor.gcp": ("Google Cloud", "Google Cloud"),
    "tkt.assignee": ("Исполнитель", "Assignee"),
    "tkt.group": ("Группа", "Group"),
    "tkt.account_slice": ("клиенты этого тарифа", "customers on this tier"),
    "tkt.paused_at": ("‖ На паузе: {amount}", "‖ Paused at {amount}"),
    "tkt.paused_over": (
        "‖ На паузе, просрочено на {amount}",
        "‖ Paused, overdue by {amount}",
    ),
    "tkt.after": ("после", "after"),
    "tkt.clock_stopped": ("■ часы решения остановлены", "■ resolution clock stopped"),
    "role.customer": ("клиент", "customer"),
    "role.agent": ("инженер", "agent"),
    "role.bot": ("бот", "bot"),
    "role.system": ("система", "system"),
    "tkt.facts": ("Сведения", "Facts"),
    "tkt.subject": ("Тема", "Subject"),
    "tkt.status": ("Статус", "Status"),
    "tkt.clock": ("Часы", "Clock"),
    "tkt.clock_calendar": ("календарные", "calendar"),
    "tkt.clock_business": ("рабочие", "business"),
    "tkt.completed": ("Завершено", "Completed"),
    "tkt.solver": ("Решил", "Solved by"),
    "tkt.first_responder": ("Первым ответил", "First responder"),
    "tkt.agent_work": ("В работе у поддержки", "Agent work time"),
    "tkt.requester_wait": ("Ожидание клиента", "Requester wait time"),
    "tkt.reopens": ("Переоткрытий", "Reopens"),
    "tkt.escalations": ("Эскалаций", "Escalations"),
    "tkt.hidden": ("скрыто", "hidden"),
    "tkt.clock_runs": ("▶ часы решения идут", "▶ resolution clock running"),
    "tkt.clock_paused": ("часы решения на паузе", "resolution clock paused"),
    # customers page
    "cust.title": ("Клиенты", "Customers"),
    "cust.nps": ("NPS по волнам", "NPS by wave"),
    "cust.nps_by": ("Разрез", "Split by"),
    "cust.low_n": ("мало ответов (< 30)", "few responses (< 30)"),
    "cust.responses": ("ответов", "responses"),
    "cust.csat_trend": ("CSAT по месяцам", "CSAT by month"),
    "cust.retention": ("Удержание и чистое расширение", "Retention and net expansion"),
    "cust.components": ("Компоненты изменения MRR", "MRR change components"),
    "cust.expansion": ("Расширение", "Expansion"),
    "cust.contraction": ("Сокращение", "Contraction"),
    "cust.churn": ("Отток", "Churn"),
    "cust.impact": ("Влияние поддержки", "Support impact"),
    "cust.with_breach": ("С нарушениями SLA", "With SLA breaches"),
    "cust.without_breach": ("Без нарушений SLA", "Without SLA breaches"),
    "cust.accounts": ("клиентов", "accounts"),
    "cust.split_tier": ("Уровень поддержки", "Support tier"),
    "cust.split_segment": ("Сегмент", "Segment"),
    "cust.split_region": ("Регион", "Region"),
    "cust.wave": ("Волна", "Wave"),
    "cust.group": ("Группа", "Group"),
    "cust.sample_note": ("Выборка", "Sample"),
    "cust.latest": ("Последний квартал {period}", "Latest quarter {period}"),
    "cust.starting": ("стартовая когорта {n}", "starting cohort {n}"),
    "cust.impact_hint": (
        "Доля клиентов, всё ещё активных сейчас: с хотя бы одной нарушенной SLA заявкой "
        "против клиентов, у которых все заявки под SLA уложились в срок.",
        "The share of accounts still active now: those with at least one SLA-breached ticket "
        "against those whose SLA tickets all met their targets.",
    ),
    "cust.impact_controls": (
        "Сравниваются сопоставимые клиенты: с одним уровнем поддержки и одним числом заявок "
        "под SLA (1–4, 5–19, 20–49, 50+), ведь у клиентов с большим числом заявок и нарушений "
        "больше. Прочие различия (размер, продукт, срок жизни клиента) не учтены, и это не "
        "причинная связь: сравнение не показывает, что нарушения удерживают или отпугивают.",
        "Like with like: accounts of the same support tier and the same band of SLA-tracked "
        "tickets (1–4, 5–19, 20–49, 50+), since busier accounts are breached more often. "
        "Nothing else is held equal (size, product, how long the account has been a customer), "
        "and it is not causal: it does not show that breaches keep or lose customers.",
    ),
    "cust.impact_pooled": (
        "С поправкой на уровень и число заявок удержание клиентов с нарушениями отличается на "
        "{diff}, без поправки — на {raw} (сравнимы {n} из {total} клиентов).",
        "Like for like (tier and ticket volume), accounts with breaches retain {diff} against "
        "those without; raw, {raw} ({n} of {total} accounts comparable).",
    ),
    "cust.impact_none": (
        "Ни в одной группе нет клиентов и с нарушениями, и без: сравнивать не с чем.",
        "No group has accounts both with and without breaches: there is nothing to compare.",
    ),
    "cust.stratum": ("Уровень · заявок", "Tier · tickets"),
    "cust.all_raw": ("Все клиенты (без поправки)", "All accounts (raw)"),
    "cust.diff": ("Разница", "Difference"),
    "cust.pts": ("{v} п. п.", "{v} pts"),
    "cust.low_accounts": ("мало клиентов (< 10)", "few accounts (< 10)"),
    "cust.partial": ("неполный период", "period in progress"),
    # revenue page
    "rev.title": ("Выручка и эффективность", "Revenue and efficiency"),
    "rev.attributed": (
        "Выручка с участием поддержки с начала года",
        "Support-attributed revenue, year to date",
    ),
    "rev.credited": ("Сделки с вкладом поддержки", "Credited opportunities"),
    "rev.by_competitor": ("Сделки по конкурентам", "Deals by competitor"),
    "rev.competitor": ("Конкурент", "Competitor"),
    "rev.cost": ("Стоимость заявки по месяцам", "Cost per ticket by month"),
    "rev.automation": ("Доля автоматизации (1-я линия)", "Automation share (tier 1)"),
    "rev.account": ("Клиент", "Account"),
    "rev.amount": ("Сумма, $", "Amount, $"),
    "rev.credit_pct": ("Вклад, %", "Credit, %"),
    "rev.credited_usd": ("Зачтено, $", "Credited, $"),
    "rev.closed": ("Закрыта", "Closed"),
    "rev.type": ("Тип", "Type"),
    "rev.deals": ("Сделок", "Deals"),
    "rev.win": ("Выигрыш", "Win rate"),
    "rev.poc": ("POC", "POC"),
    "rev.avg_deal": ("Средняя сделка", "Avg deal"),
    "rev.cycle": ("Цикл, дн.", "Cycle, days"),
    "rev.won_lost": ("Выиграно / проиграно", "Won / lost"),
    # wall
    "short.premium": ("Премиум", "Premium"),
    "short.professional": ("Проф.", "Pro"),
    "short.standard": ("Станд.", "Std"),
    "short.free": ("Беспл.", "Free"),
    "wall.fr": ("Первый ответ сегодня", "First response today"),
    "wall.res": ("Решение сегодня", "Resolution today"),
    "wall.breaches": ("Нарушений сегодня", "Breaches today"),
    "wall.yesterday": ("вчера {n}", "yesterday {n}"),
    "wall.outcomes": ("итогов {n}", "{n} outcomes"),
    "wall.overdue_list": ("Нарушены и открыты", "Breached, still open"),
    "wall.overdue_none": ("Нет открытых заявок с нарушенным SLA", "No open ticket past its SLA"),
    "wall.more": ("и ещё {n}", "{n} more"),
    "wall.stale_since": (
        "Данные на {since}: устарели на {age}",
        "Data as of {since}: {age} old",
    ),
    "wall.age": ("открыта", "open"),
    "wall.next_clock": ("до нарушения", "to breach"),
    "wall.no_clock": ("без SLA", "no SLA clock"),
    "wall.no_critical": ("нет", "none"),
    "wall.critical": ("Открытых критических", "Open critical"),
    "wall.queue": ("Ближайшие к нарушению", "Nearest to breach"),
    "wall.target": ("цель {target}", "target {target}"),
    "wall.connection_lost": (
        "Нет связи с сервером — показаны последние данные",
        "Connection lost — showing last data",
    ),
    "wall.breached": ("НАРУШЕН", "BREACHED"),
    "wall.queue_empty": (
        "Нет открытых заявок с идущими часами SLA",
        "No open tickets with running SLA clocks",
    ),
    "wall.no_outcomes": ("сегодня ещё нет итогов", "no outcomes yet today"),
    # quality
    "dq.title": ("Качество данных", "Data quality"),
    "dq.alert_deliveries": ("Доставка оповещений", "Alert deliveries"),
    "dq.alerts_ok": (
        "Все оповещения за 7 дней доставлены (проверено {moment}).",
        "Every alert of the last 7 days was delivered (checked {moment}).",
    ),
    "dq.channel": ("Канал", "Channel"),
    "dq.alert": ("Оповещение", "Alert"),
    "dq.ticket": ("Заявка", "Ticket"),
    "dq.attempts": ("Попыток", "Attempts"),
    "dq.last_attempt": ("Последняя попытка", "Last attempt"),
    "dq.alert_kind.due_soon": ("Скоро нарушение", "Due soon"),
    "dq.alert_kind.breached": ("Нарушение", "Breached"),
    "dq.alert_kind.compliance": ("Соблюдение ниже порога", "Compliance below threshold"),
    "dq.delivery.failed": ("Не доставлено", "Failed"),
    "dq.delivery.unconfirmed": (
        "Не подтверждено (прервано при отправке)",
        "Unconfirmed (interrupted while sending)",
    ),
    "dq.batches": ("Загруженные пакеты", "Loaded batches"),
    "dq.reconciled": ("Сходится", "Reconciles"),
    "dq.reconcile_rule": ("Прочитано = загружено + отклонено", "Read = landed + rejected"),
    "dq.not_reconciled": ("Не сходится", "Does not reconcile"),
    "dq.rejects": ("Отклонённые строки по причинам", "Rejected rows by reason"),
    "dq.reject_rows": ("Последние отклонённые строки", "Latest rejected rows"),
    "dq.orphans": ("События без заявок", "Orphan events"),
    "dq.freshness": ("Свежесть источников", "Source freshness"),
    "dq.tests": ("Проверки dbt", "dbt tests"),
    "dq.entity": ("Сущность", "Entity"),
    "dq.file": ("Файл", "File"),
    "dq.read": ("Прочитано", "Read"),
    "dq.landed": ("Загружено", "Landed"),
    "dq.rejected": ("Отклонено", "Rejected"),
    "dq.status": ("Статус", "Status"),
    "dq.error": ("Ошибка", "Error"),
    "dq.loaded_at": ("Загружено в", "Loaded at"),
    "dq.line": ("Строка", "Line"),
    "dq.reason": ("Причина", "Reason"),
    "dq.raw": ("Исходная строка", "Raw row"),
    "dq.error_hidden": (
        "🔒 подробности скрыты: могут цитировать файл (видит только VP)",
        "🔒 details hidden: they may quote the file (VP only)",
    ),
    "dq.raw_hidden": (
        "🔒 скрыто: персональные данные (видит только VP)",
        "🔒 hidden: personal data (VP only)",
    ),
    "dq.rows": ("Строк", "Rows"),
    "dq.latest": ("Последние данные", "Latest data"),
    "dq.age": ("Возраст", "Age"),
    "dq.test": ("Проверка", "Test"),
    "dq.failed_files": ("Файлов отклонено целиком: {n}", "Files refused whole: {n}"),
    "dq.failures": ("Ошибок", "Failures"),
    "dq.passed": ("{n} пройдено", "{n} passed"),
    "dq.failed": ("{n} не пройдено", "{n} failed"),
    "dq.warned": ("{n} с предупреждением", "{n} warned"),
    "dq.summary": (
        "{batches} пакетов · {read} строк прочитано · {landed} загружено · {rejected} отклонено",
        "{batches} batches · {read} rows read · {landed} landed · {rejected} rejected",
    ),
    "vsla.title": ("SLA по данным хелпдеска и Support Pulse", "SLA: helpdesk vs Support Pulse"),
    "vsla.agreement": ("Совпадение вердиктов SLA", "SLA verdicts agreeing"),
    "vsla.agreement_sub": (
        "{agreed} из {n} пар «заявка × метрика» совпадают по исходу, цели и часам",
        "{agreed} of {n} ticket × metric pairs agree on outcome, target and clock",
    ),
    "vsla.none": (
        "Вердиктов хелпдеска нет: импортируйте Zendesk (pulse import zendesk)",
        "No helpdesk verdicts: import Zendesk (pulse import zendesk)",
    ),
    "vsla.by_reason": ("Расхождения по причинам", "Disagreements by reason"),
    "vsla.rows": ("Расходящиеся заявки", "Disagreeing tickets"),
    "vsla.vendor": ("Хелпдеск", "Helpdesk"),
    "vsla.pulse": ("Support Pulse", "Support Pulse"),
    "vsla.policy": ("Политика хелпдеска", "Helpdesk policy"),
    "vsla.reason.event_missing_pulse": (
        "Нет цели в Support Pulse (free, проактивная)",
        "No target in Support Pulse (free tier, proactive)",
    ),
    "vsla.reason.event_missing_vendor": (
        "Хелпдеск не применил SLA",
        "The helpdesk applied no SLA",
    ),
    "vsla.reason.priority_retarget": (
        "Смена приоритета / перенацеливание",
        "Priority change / re-target",
    ),
    "vsla.reason.tier_at_creation": (
        "Другой уровень поддержки при создании",
        "Different support tier at creation",
    ),
    "vsla.reason.policy_or_target": ("Другая политика или цель", "Different policy or target"),
    "vsla.reason.business_calendar": (
        "Рабочий календарь / праздники",
        "Business calendar / holidays",
    ),
    "vsla.reason.pause_handling": ("Учёт пауз (ожидание, hold)", "Pause handling (pending, hold)"),
    "vsla.reason.unexplained": ("Не объяснено", "Unexplained"),
}

# Metric definitions shown on hover (fallback when the dbt manifest has no description).
DEFINITIONS: dict[str, tuple[str, str]] = {
    "sla_compliance": (
        "Выполнено / (выполнено + нарушено) среди итогов SLA, момент которых попал в период. "
        "Общий SLA учитывает первый ответ и решение вместе; бесплатный уровень не учитывается.",
        "Met / (met + breached) among SLA outcomes whose moment falls in the period. "
        "Overall counts first response and resolution together; the free tier is left out.",
    ),
    "first_response": (
        "Первый публичный комментарий инженера после создания заявки. Ответы бота, "
        "внутренние заметки и комментарии клиента не считаются.",
        "The first public agent comment after creation. Bot replies, internal notes and "
        "customer comments do not count.",
    ),
    "resolution": (
        "Последний переход в «решена»; часы стоят, пока заявка ждёт клиента (pending).",
        "The last transition to solved; the clock pauses while the ticket waits on the "
        "customer (pending).",
    ),
    "fcr": (
        "Доля решённых заявок, которые ни разу не эскалировались и не переоткрывались.",
        "Share of solved tickets never escalated and never reopened.",
    ),
    "engineer_fcr": (
        "Доля решений инженера с первого контакта: до решения он ответил клиенту публично "
        "не больше одного раза, заявку не переоткрывали и не эскалировали после того, как "
        "она попала к нему.",
        "Share of the engineer's solves resolved on first contact: at most one public reply "
        "from them before the solve, never reopened, not escalated after it reached them.",
    ),
    "csat": (
        "Доля ответов с оценкой 4 или 5 из 5.",
        "Share of survey responses scoring 4 or 5 out of 5.",
    ),
    "nps": (
        "% промоутеров (9–10) минус % критиков (0–6) за волну опроса; "
        "группы < 30 ответов помечены.",
        "% promoters (9–10) minus % detractors (0–6) per survey wave; groups under 30 "
        "responses are flagged.",
    ),
    "retention": (
        "Клиенты, активные в месяце до периода и всё ещё активные в его последнем месяце, "
        "делённые на активных в месяце до периода.",
        "Accounts active the month before the period and still active in its last month, "
        "over those active the month before.",
    ),
    "net_expansion": (
        "MRR (USD) стартовой когорты в последнем месяце / их MRR в стартовом месяце − 1.",
        "MRR (USD) of the starting cohort in the last month / their MRR in the starting month − 1.",
    ),
    "attributed_revenue": (
        "Сумма выигранных сделок в USD × доля вклада поддержки / 100.",
        "Closed-won amount in USD × support credit % / 100.",
    ),
    "cost_per_ticket": (
        "Затраты на поддержку в USD за месяц / заявок, созданных в месяце.",
        "Support costs in USD in the month / tickets created in the month.",
    ),
    "automation_share": (
        "Из заявок, начавшихся на 1-й линии, доля решённых ботом без публичного ответа инженера.",
        "Of tickets that started in tier 1, the share solved by a bot with no public agent "
        "comment.",
    ),
    "escalation_rate": (
        "Заявки, переданные на более высокую линию / решённые заявки.",
        "Tickets moved to a higher tier / solved tickets.",
    ),
    "qa_score": (
        "Средний итог проверок качества (0–100).",
        "Mean total of QA reviews (0–100).",
    ),
    "tickets_handled": (
        "Разные заявки за ISO-неделю, в которых инженер публично ответил или которые решил.",
        "Distinct tickets per ISO week the engineer commented on publicly or solved.",
    ),
    "kb_articles": (
        "Опубликованные статьи базы знаний автора.",
        "Published knowledge-base articles by the author.",
    ),
    "win_rate": (
        "Выигранные / (выигранные + проигранные) сделки, закрытые в периоде.",
        "Won / (won + lost) among opportunities closed in the period.",
    ),
    "poc_conversion": (
        "Выигранные / закрытые сделки с пилотом (POC).",
        "Won / closed opportunities that had a POC.",
    ),
}


def norm_lang(value: str | None) -> str | None:
    if not value:
        return None
    code = str(value).strip().lower()[:2]
    return code if code in LANGS else None


def from_accept_language(header: str | None) -> str:
    """Pick ru or en from an Accept-Language header; Russian for `ru` browsers."""
    if not header:
        return "en"
    choices: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        piece = part.strip()
        if not piece:
            continue
        tag, _, params = piece.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        choices.append((-quality, index, tag.strip().lower()))
    for _q, _i, tag in sorted(choices):
        code = norm_lang(tag)
        if code:
            return code
    return "en"


def current_lang(query_lang: str | None = None) -> str:
    """The language of the request being served: `?lang=` of the page (given, or read
    from the page URL a callback request comes from), then the cookie, then the browser.

    A shared link with `?lang=ru` must read Russian in every widget, the grids' row counts
    included, even for a reader whose cookie or browser says English; the first choice
    made in a request is kept for the rest of it (`flask.g`), so widgets built without a
    language argument agree with the page that builds them.
    """
    chosen = norm_lang(query_lang)
    try:
        from flask import g, has_request_context, request
    except ImportError:  # pragma: no cover
        return chosen or DEFAULT_LANG
    if not has_request_context():
        return chosen or DEFAULT_LANG
    if chosen:
        g.pulse_lang = chosen
        return chosen
    if getattr(g, "pulse_lang", None):
        return g.pulse_lang
    chosen = norm_lang(request.args.get("lang")) or _page_lang(request.referrer)
    if chosen:
        return chosen
    chosen = norm_lang(request.cookies.get(COOKIE))
    if chosen:
        return chosen
    return from_accept_language(request.headers.get("Accept-Language"))


def _page_lang(referrer: str | None) -> str | None:
    """`lang` in the query of the page a callback request was sent from (same origin:
    the site sends `Referrer-Policy: same-origin`)."""
    if not referrer:
        return None
    from urllib.parse import parse_qs, urlsplit

    values = parse_qs(urlsplit(referrer).query).get("lang")
    return norm_lang(values[0]) if values else None


def t(key: str, lang: str, **values: object) -> str:
    """Translate `key`; unknown keys are shown as themselves so gaps are visible."""
    pair = TR.get(key)
    text = key if pair is None else pair[0] if lang == "ru" else pair[1]
    return text.format(**values) if values else text


def label(kind: str, value: object, lang: str) -> str:
    """Translate an enum value (tier, prio, metric, status...) or show it as is."""
    key = f"{kind}.{value}"
    return t(key, lang) if key in TR else str(value)


def breakdown_label(dimension: str, key: object, lang: str) -> str:
    """A breakdown key as a reader says it. The marts key a ticket with no team (a bot
    solved it, or nobody has taken it yet), or no product area or channel, as '?'; a
    bare question mark on a bar or in a selection reads as a glitch."""
    if key != "?":
        return str(key)
    return t("sla.no_team" if dimension == "team" else "sla.not_set", lang)


def definition(metric: str, lang: str, descriptions: dict[str, str] | None = None) -> str:
    """A metric's definition in the reader's language, followed by its description in
    the dbt docs when the manifest of the build is at hand (the docs are in English)."""
    pair = DEFINITIONS.get(metric)
    text = "" if pair is None else (pair[0] if lang == "ru" else pair[1])
    docs = (descriptions or {}).get(metric)
    if docs:
        return f"{text}\n\n{docs}" if text else docs
    return text
