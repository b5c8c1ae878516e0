"""Demo and reference data, made deterministically.

`seed_reference` puts in what every platform needs to take orders (categories, handling units) and
no account; `seed_demo` adds the demo's accounts (one published password), the demo knowledge base
and a history of callers and work orders.
"""
from __future__ import annotations

import asyncio
import json
import random
from datetime import datetime, timedelta
from importlib import resources

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from central import catalog, db, dispatch_rules, feed, kb, texts, views
from central.accounts import create_user
from central.orders.intake import LIFECYCLE_DEFAULTS
from central.permissions import Role
from central.security import hash_password
from domain import clock
from domain.calendar import WorkCalendar
from domain.catalog import Category, HandlingUnit, UnitKind
from domain.intake import NotAcceptedReason
from domain.numbers import format_order_number
from domain.privacy import lookup_hash
from domain.workorder import RequestType, Urgency

DEMO_PASSWORD = "hotline-demo"
DEMO_USERS = [
    ("agent", "话务员 王晓梅", Role.agent),
    ("agent2", "话务员 李强", Role.agent),
    ("expert", "专家座席 陈建国", Role.expert),
    ("lead", "班长 刘芳", Role.team_lead),
    ("dispatcher", "派单员 赵磊", Role.dispatcher),
    ("admin", "系统管理员", Role.admin),
    ("editor", "知识库编辑 孙丽", Role.kb_editor),
]
# The department simulator acts as the system user "simulator" and the simulated callback desk as its
# own agent: central/departments.py `system_user` makes them with no usable password.
# Handling-unit staff: (username, display name, unit id)
DEMO_UNIT_USERS = [
    ("unit_d01", "城东区 承办员", "D01"),
    ("unit_d01s01", "东门街道 承办员", "D01S01"),
    ("unit_b02", "市医疗保障局 承办员", "B02"),
    ("unit_b04", "市住房和城乡建设局 承办员", "B04"),
    ("unit_b09", "市城管执法局 承办员", "B09"),
    ("unit_b10", "市生态环境局 承办员", "B10"),
]
# the partner platforms that report back on the orders transferred to them (flow-back)
DEMO_PARTNER_USERS = [
    ("partner_12315", "12315分中心 对接员", "SC12315"),
    ("partner_12333", "12333分中心 对接员", "SC12333"),
]


def _demo_file(name: str) -> str:
    return resources.files("resources.demo").joinpath(name).read_text(encoding="utf-8")


def demo_categories() -> list[Category]:
    tree = json.loads(_demo_file("categories.json"))
    cats: list[Category] = []
    for i, (top, middles) in enumerate(tree.items(), start=1):
        top_id = f"{i:02d}"
        cats.append(Category(top_id, None, top))
        for j, (middle, leaves) in enumerate(middles.items(), start=1):
            mid_id = f"{top_id}{j:02d}"
            cats.append(Category(mid_id, top_id, middle))
            cats.extend(Category(f"{mid_id}{k:02d}", mid_id, leaf) for k, leaf in enumerate(leaves, start=1))
    return cats


def demo_units() -> list[HandlingUnit]:
    data = json.loads(_demo_file("units.json"))
    units: list[HandlingUnit] = []
    for i, (district, streets) in enumerate(data["districts"].items(), start=1):
        did = f"D{i:02d}"
        units.append(HandlingUnit(did, district, UnitKind.district))
        units.extend(HandlingUnit(f"{did}S{k:02d}", s, UnitKind.street, did) for k, s in enumerate(streets, start=1))
    for i, (name, prefixes) in enumerate(data["bureaus"], start=1):
        kind = UnitKind.bureau if name.startswith("市") else UnitKind.enterprise
        units.append(HandlingUnit(f"B{i:02d}", name, kind, category_prefixes=tuple(prefixes)))
    for phone, name, prefixes in data["sub_centres"]:
        units.append(HandlingUnit(f"SC{phone}", name, UnitKind.sub_centre, phone=phone, category_prefixes=tuple(prefixes)))
    for phone, name in data["emergency"]:
        units.append(HandlingUnit(f"E{phone}", name, UnitKind.emergency, phone=phone))
    for area_code, name, phone in data["regions"]:
        units.append(HandlingUnit(f"R{area_code}", name, UnitKind.region, phone=phone))
    return units


async def is_seeded(conn: AsyncConnection) -> bool:
    return (await conn.execute(select(func.count()).select_from(db.categories))).scalar_one() > 0


async def seed_reference(conn: AsyncConnection) -> None:
    """The category tree, the handling units, the dispatch rule table, the working-day calendar and
    the agents' default texts (quick phrases, call scripts, form templates); no account (`hotline-central user add`
    makes them)."""
    await catalog.insert_categories(conn, demo_categories())
    await catalog.insert_units(conn, demo_units())
    await catalog.ensure_calendar(conn)  # else every first start builds it from chinese-calendar
    await texts.ensure_defaults(conn)
    await dispatch_rules.replace(conn, dispatch_rules.read_file())  # the demo centre's rule table


async def seed_demo_users(conn: AsyncConnection, password: str = DEMO_PASSWORD) -> None:
    """The demo's accounts, all with one published password: for a demonstration or a test only.
    (The password policy is not applied: the demo's password is meant to be known.)"""
    password_hash = await asyncio.to_thread(hash_password, password)  # one hash serves every demo user
    for username, display, role in DEMO_USERS:
        await create_user(conn, username, display, role, password_hash)
    for username, display, unit_id in DEMO_UNIT_USERS:
        await create_user(conn, username, display, Role.unit, password_hash, unit_id)
    for username, display, unit_id in DEMO_PARTNER_USERS:
        await create_user(conn, username, display, Role.partner, password_hash, unit_id)


def demo_kb_lines() -> list[str]:
    lines: list[str] = []
    for part in sorted(p.name for p in resources.files("resources.demo").iterdir() if p.name.startswith("kb_")):
        lines.extend(_demo_file(part).splitlines())
    return lines


_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红梅建国志文海燕晓东春林雪婷宇浩然子涵欣怡俊"
_MOBILE_PREFIXES = ["138", "139", "136", "135", "150", "151", "152", "158", "159", "182", "187", "188",
                    "130", "131", "132", "155", "156", "185", "186", "133", "153", "180", "181", "189", "199"]
_VERBS = {
    RequestType.consultation: ["咨询{leaf}相关政策", "询问{leaf}办理流程", "咨询{leaf}所需材料"],
    RequestType.help: ["求助：{leaf}问题无法解决", "请求协调处理{leaf}问题"],
    RequestType.complaint: ["投诉{leaf}问题长期未解决", "反映{leaf}方面服务不到位"],
    RequestType.report: ["举报{leaf}违法违规行为", "反映{leaf}存在违规情况"],
    RequestType.suggestion: ["关于改进{leaf}工作的建议", "建议优化{leaf}办理方式"],
    RequestType.praise: ["表扬工作人员{leaf}服务热情", "感谢相关部门及时处理{leaf}问题"],
}
_TYPE_WEIGHTS = [(RequestType.consultation, 45), (RequestType.help, 12), (RequestType.complaint, 25),
                 (RequestType.report, 8), (RequestType.suggestion, 6), (RequestType.praise, 4)]


def _caller(rng: random.Random, i: int) -> dict:
    if i % 10 == 9:  # some landlines (0519 is a real area code; the demo city is fictional)
        phone = f"0519{rng.randrange(80000000, 89999999)}"
    else:
        phone = f"{rng.choice(_MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"
    name = rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))
    return {"phone": phone, "name": name if rng.random() < 0.8 else "", "confidential": rng.random() < 0.05}


async def seed_history(conn: AsyncConnection, callers: int = 1000, orders: int = 5000, seed: int = 12345,
                       today: datetime | None = None) -> None:
    """Callers and historical work orders, spread over the two years before `today`."""
    rng = random.Random(seed)
    today = today or clock.now()
    cats = demo_categories()
    parents = {c.parent_id for c in cats}
    leaves = [c for c in cats if c.id not in parents]
    names = {c.id: c.name for c in cats}
    units = [u for u in demo_units() if u.kind in (UnitKind.bureau, UnitKind.enterprise, UnitKind.district)]
    districts = [u for u in demo_units() if u.kind == UnitKind.district]
    calendar = WorkCalendar.from_library()
    stamp = clock.stamp()
    people: dict[str, dict] = {}
    while len(people) < callers:
        c = _caller(rng, len(people))
        people.setdefault(c["phone"], c)
    people_list = list(people.values())
    moments = sorted(today - timedelta(seconds=rng.randrange(2 * 365 * 86400)) for _ in range(orders))
    serials: dict[str, int] = {}
    rows = []
    parts = []
    types, weights = zip(*_TYPE_WEIGHTS, strict=True)
    after = random.Random(seed + 1)  # its own stream: the orders stay what they were before handling was seeded
    for moment in moments:
        who = people_list[min(int(rng.paretovariate(1.2)) - 1, len(people_list) - 1)] if rng.random() < 0.3 \
            else rng.choice(people_list)
        rtype = rng.choices(types, weights)[0]
        leaf = rng.choice(leaves)
        day = moment.strftime("%Y%m%d")
        serials[day] = serials.get(day, 0) + 1
        row = _history_order(rng, moment, format_order_number(moment.date(), serials[day]), who, rtype, leaf,
                             names[leaf.id], units, districts, calendar, today)
        part = _history_handling(after, row, today)
        rows.append(row)
        if part is not None:
            parts.append(part)
    key = await views.lookup_key(conn)
    await conn.execute(db.callers.insert(), [{**p, "version": 1, "updated_at": stamp, "lookup": lookup_hash(key, p["phone"])}
                                             for p in people_list])
    await conn.execute(db.work_orders.insert(), rows)
    if parts:
        await conn.execute(db.order_units.insert(), parts)
    await conn.execute(db.daily_serials.insert(), [{"day": d, "last": n} for d, n in serials.items()])
    await feed.record_many(conn, [
        {"entity": "caller", "entity_id": p["phone"], "op": "upsert", "data": {**p, "version": 1, "updated_at": stamp},
         "at": stamp} for p in people_list] + [
        {"entity": "work_order", "entity_id": r["number"], "op": "upsert", "data": r, "at": stamp} for r in rows])


def _history_order(rng: random.Random, moment: datetime, number: str, who: dict, rtype: RequestType,
                   leaf: Category, leaf_name: str, units: list[HandlingUnit], districts: list[HandlingUnit],
                   calendar: WorkCalendar, today: datetime) -> dict:
    title = rng.choice(_VERBS[rtype]).format(leaf=leaf_name)
    district = rng.choice(districts)
    age_days = (today - moment).days
    roll = rng.random()
    status, unit, deadline, answer, reason = "closed_at_intake", None, None, "已按知识库答复口径解答，来电人表示清楚。", None
    if rtype in (RequestType.complaint, RequestType.report, RequestType.help) or roll < 0.3:
        unit = rng.choice(units).id
        deadline = calendar.deadline_for(moment, Urgency.normal, working_days=15).due
        answer = ""
        status = "closed" if age_days > 20 else rng.choice(["dispatched", "in_progress", "replied"])
    elif roll > 0.95:
        status, reason = "rejected_at_intake", rng.choice(list(NotAcceptedReason)).value
        answer = NotAcceptedReason(reason).guidance_zh
    s = clock.stamp(moment)
    return {
        "number": number, "client_ref": None, "status": status, "request_type": str(rtype), "urgency": "normal",
        "category_id": leaf.id, "title": title,
        "content": f"来电人反映：{title}。希望相关部门尽快了解情况并给予答复。",
        "caller_phone": who["phone"], "requester_name": who["name"], "confidential": who["confidential"],
        "address_district": district.name, "address_street": "", "handling_unit_id": unit,
        "assisting_unit_ids": [], "answer": answer, "reject_reason": reason, "transfer_target": None,
        "deadline": clock.stamp(deadline) if deadline else None, "deadline_provisional": False,
        "created_at": s, "updated_at": s, "created_by": None, "version": 1,
        **LIFECYCLE_DEFAULTS, "units": [],
    }


_UNIT_STATE = {"dispatched": "dispatched", "in_progress": "in_progress", "replied": "replied", "closed": "replied"}
_SATISFACTION_WEIGHTS = [("very_satisfied", 35), ("satisfied", 40), ("basically_satisfied", 17), ("dissatisfied", 6),
                         ("very_dissatisfied", 2)]


def _history_handling(rng: random.Random, row: dict, today: datetime) -> dict | None:
    """Fill in how a historical order was handled (its reply, callback, closure) and return its lead
    unit's part, for orders that were dispatched."""
    created = clock.parse(row["created_at"])
    if row["status"] == "closed_at_intake":
        row["closed_at"] = row["created_at"]
    if row["handling_unit_id"] is None:
        return None
    state = _UNIT_STATE[row["status"]]
    replied = None
    if state == "replied":  # most answered within the deadline, some late
        replied = min(created + timedelta(days=rng.uniform(1, 24), hours=rng.uniform(0, 8)), today)
        row.update(reply="经核实，已按相关规定处理并告知来电人。", replied_at=clock.stamp(replied))
    if row["status"] == "closed":
        called = min(replied + timedelta(hours=rng.uniform(2, 48)), today)
        choices, weights = zip(*_SATISFACTION_WEIGHTS, strict=True)
        satisfaction = rng.choices(choices, weights)[0]
        row.update(callback_at=clock.stamp(called), closed_at=clock.stamp(called), satisfaction=satisfaction,
                   resolved=satisfaction not in ("dissatisfied", "very_dissatisfied") or rng.random() < 0.3,
                   callback_attempts=1)
    row["units"] = [{"unit_id": row["handling_unit_id"], "role": "lead", "state": state, "deadline": row["deadline"]}]
    signed = None if state == "dispatched" else clock.stamp(created + timedelta(hours=rng.uniform(0.5, 20)))
    return {"number": row["number"], "dispatch_round": 1, "unit_id": row["handling_unit_id"], "role": "lead",
            "state": state, "deadline": row["deadline"], "deadline_provisional": False,
            "dispatched_at": row["created_at"], "signed_at": signed, "replied_at": row["replied_at"],
            "reply": row["reply"], "extension_days_asked": None, "extension_hours_asked": None}


def demo_synonyms() -> dict[str, list[str]]:
    return kb.parse_synonyms(json.loads(_demo_file("synonyms.json")))


async def seed_demo(conn: AsyncConnection) -> dict:
    await seed_reference(conn)
    await seed_demo_users(conn)
    await kb.replace_synonyms(conn, demo_synonyms())
    result = await kb.apply(conn, kb.parse_lines(demo_kb_lines()))
    await seed_history(conn)
    return {"kb_entries": result.created}
