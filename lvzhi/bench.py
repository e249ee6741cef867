"""`make bench`: benchmarks the open issues ask for, each printed with the alternative run
side by side. Runs on a throwaway database (SQLite under a temp dir unless DATABASE_URL is
set), never on var/.

Foundation benchmark: the member list of a provincial system (Hunan: 33,000+ users),
按姓氏笔画为序, first page of 50 — the indexed stroke key (what the list does) against
loading every member and sorting in Python (the obvious alternative).
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any


def _timeit(fn: Callable[[], object], repeat: int = 7) -> float:
    fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def bench_member_list(n: int = 33000) -> None:
    from django.db import transaction

    from lvzhi.core.text import stroke_key
    from lvzhi.members.models import Membership, Person
    from lvzhi.organisations.models import Organisation
    from lvzhi.testing import make_id_number

    rng = random.Random(7)
    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    given = "建国华明丽芳伟强军平红英敏静玲桂兰秀云霞志勇海燕杰涛斌超磊鹏辉刚飞波"
    with transaction.atomic():
        org = Organisation.objects.create(code="bench", name="基准测试政协", short_name="基准", level="county")
        people = []
        for i in range(n):
            name = rng.choice(surnames) + "".join(rng.choice(given) for _ in range(rng.choice((1, 2))))
            people.append(
                Person(
                    name=name,
                    id_number=make_id_number(f"{530000 + i // 1000:06d}19700101{i % 1000:03d}"),
                    gender="M",
                    stroke_key=stroke_key(name),
                    name_initials="",
                    name_pinyin="",
                )
            )
        Person.objects.bulk_create(people, batch_size=2000)
        Membership.objects.bulk_create(
            [Membership(person=p, organisation=org) for p in Person.objects.all()], batch_size=2000
        )

    def indexed() -> list[Membership]:
        return list(Membership.objects.filter(organisation=org).select_related("person").in_stroke_order()[:50])

    def python_sort() -> list[Membership]:
        rows = list(Membership.objects.filter(organisation=org).select_related("person"))
        rows.sort(key=lambda m: stroke_key(m.person.name))
        return rows[:50]

    # Same order of names (ties between equal names may differ).
    assert [m.person.name for m in indexed()] == [m.person.name for m in python_sort()]
    a, b = _timeit(indexed), _timeit(python_sort, repeat=3)
    print(f"member list, {n} members, first page 按姓氏笔画为序")
    print(f"  indexed stroke key (Lvzhi):      {a * 1000:8.1f} ms")
    print(f"  load all + sort in Python:       {b * 1000:8.1f} ms")
    print(f"  ratio: {b / a:.0f}x faster")


TOPICS = [
    "农村饮水安全",
    "城乡道路硬化",
    "危房改造",
    "易地扶贫搬迁",
    "义务教育均衡",
    "乡村医生队伍",
    "农产品冷链物流",
    "县城停车难",
    "老旧小区改造",
    "垃圾分类处理",
    "中小企业融资",
    "民营经济发展",
    "职业技能培训",
    "养老服务体系",
    "留守儿童关爱",
    "河道综合治理",
    "森林防火",
    "乡村旅游",
    "电子商务进农村",
    "特色产业发展",
    "文化遗产保护",
    "医疗保险报销",
    "公共卫生应急",
    "食品安全监管",
    "城市供水管网",
    "农村电网改造",
    "高标准农田建设",
    "茶叶品牌建设",
]
VERBS = ["加快", "加强", "推进", "完善", "规范", "支持", "优化", "提升", "解决", "保障"]
PLACES = ["", "我县", "山区", "城区", "乡镇", "边远村组", "城乡结合部"]
EXTRA = ["工作", "机制", "建设", "管理", "问题", "能力", "水平", "体系"]


def _title(rng: random.Random) -> str:
    return f"关于{rng.choice(VERBS)}{rng.choice(PLACES)}{rng.choice(TOPICS)}{rng.choice(EXTRA)}的建议"


def bench_similar_proposals(n: int = 50000) -> None:
    """Similar-proposal lookup while a member types a title: the bigram index (what the
    drafting page does on each keystroke) against scanning every proposal of the committee's
    last two years and scoring each title in Python. Bench rows are bulk-inserted (the
    lifecycle actions are exercised by the tests, not needed to measure a lookup)."""
    from django.db import transaction

    from lvzhi.accounts.models import User
    from lvzhi.organisations.models import Organisation
    from lvzhi.proposals.models import Proposal, TitleGram
    from lvzhi.proposals.similarity import bigrams, similar_proposals

    rng = random.Random(11)
    author = User.objects.create(username="bench-author")
    with transaction.atomic():
        orgs = [
            Organisation.objects.create(code=f"p{i}", name=f"基准提案政协{i}", short_name=f"基准{i}", level="county")
            for i in range(5)
        ]
        rows = [
            Proposal(
                organisation=orgs[i % 5],
                year=2015 + (i // 5) % 5,
                title=_title(rng),
                proposer_type="member",
                state="submitted",
                created_by=author,
            )
            for i in range(n)
        ]
        Proposal.objects.bulk_create(rows, batch_size=2000)
        grams: list[TitleGram] = []
        for p in Proposal.objects.filter(organisation__in=orgs).only("id", "organisation_id", "year", "title"):
            grams.extend(
                TitleGram(proposal_id=p.pk, organisation_id=p.organisation_id, year=p.year, gram=g)
                for g in bigrams(p.title)
            )
        TitleGram.objects.bulk_create(grams, batch_size=5000)
    org, year = orgs[2], 2019
    typed = "关于加快山区农村饮水安全建设"

    def indexed() -> list[int]:
        return [s.proposal.pk for s in similar_proposals(org.pk, year, typed)]

    def scan() -> list[int]:
        wanted = bigrams(typed)
        scored = []
        for pk, title in Proposal.objects.filter(organisation=org, year__in=(year, year - 1)).values_list(
            "id", "title"
        ):
            other = bigrams(title)
            score = 2 * len(wanted & other) / (len(wanted) + len(other))
            if score >= 0.25:
                scored.append((-round(score, 2), pk))
        return [pk for _, pk in sorted(scored)[:10]]

    found, expected = indexed(), scan()
    assert found and len(found) == len(expected), (found, expected)
    a, b = _timeit(indexed), _timeit(scan, repeat=5)
    print(f"similar proposals while drafting, {n} proposals in 5 committees ({n // 5} per committee)")
    print(f"  bigram index (Lvzhi):            {a * 1000:8.1f} ms")
    print(f"  scan and score every title:      {b * 1000:8.1f} ms")
    print(f"  ratio: {b / a:.1f}x faster")


def _scale() -> float:
    """LVZHI_BENCH_SCALE=0.1 runs the assistance benchmarks on a tenth of the data."""
    return float(os.environ.get("LVZHI_BENCH_SCALE", "1"))


def bench_household_import() -> None:
    from lvzhi.households.bench import bench_import, bench_import_export

    n = int(200_000 * _scale())
    ours = bench_import(n)
    n_alt = int(5_000 * _scale())
    alt = bench_import_export(n_alt)
    print("household import, one row per person, every row validated (ID check digit, household rules)")
    for key, value in ours.items():
        print(f"  {key}: {value}")
    print(f"  django-import-export, {n_alt} rows: {alt}")
    ours_rate = float(ours.get("xlsx_rows_per_s") or ours.get("rows_per_s") or 0)
    alt_rate = float(alt.get("rows_per_s") or 0)
    if ours_rate and alt_rate:
        print(f"  ratio: {ours_rate / alt_rate:.0f}x faster")


def bench_assistance_figures() -> None:
    from lvzhi.assistance.bench_figures import bench_figures

    result = bench_figures(int(3_000_000 * _scale()), int(1_000_000 * _scale()))
    print(
        f"assistance figures, {result['people']:,} household members, {result['entries']:,} ledger entries "
        f"({result['links']:,} member links)"
    )
    print(
        f"  load households {result['load_households_s']:.1f} s, ledger {result['load_ledger_s']:.1f} s, "
        f"rebuild rollups {result['rebuild_rollups_s']:.1f} s"
    )
    for case in result["cases"]:
        ratio = case["live_s"] / case["rollups_s"]
        print(
            f"  {case['case']:<24} rollups (Lvzhi) {case['rollups_s'] * 1000:7.1f} ms | "
            f"plain ORM aggregate {case['live_s'] * 1000:8.1f} ms | ratio {ratio:.0f}x"
        )
    page = _figures_page_time(result["city"], "assistance_figures:page")
    if page is not None:
        print(f"  figures page (HTTP GET, city, rendered): {page * 1000:.0f} ms")
    # Year-end awards (评先奖优) are drawn up after the year's last entry: the ranking reads the
    # per-member rollup. A cut-off with entries after it in the same year is counted live.
    later = _figures_page_time(result["city"], "assistance_figures:candidates", to="2025-12-31")
    if later is not None:
        print(f"  award candidates for 2025, fetched after the page (rollup): {later * 1000:.0f} ms")
    live = _figures_page_time(result["city"], "assistance_figures:candidates", repeat=3)
    if live is not None:
        print(f"  award candidates to 2025-11-20 with later entries in the year (counted live): {live * 1000:.0f} ms")


def _figures_page_time(city: Any, name: str, to: str = "2025-11-20", repeat: int = 5) -> float | None:
    """A figures page through Django's test client, as an office clerk of the city."""
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from lvzhi.accounts.models import Role, User

    try:
        url = reverse(name)
    except NoReverseMatch:
        return None
    user, _created = User.objects.get_or_create(username="bench-clerk", role=Role.OFFICE, organisation=city)
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    params = {"organisation": city.code, "to": to}

    def get() -> None:
        response = client.get(url, params)
        assert response.status_code == 200, response.status_code

    return _timeit(get, repeat=repeat)


def bench_matching() -> None:
    from lvzhi.assistance.bench_matching import bench_matching as run

    result = run()
    print("needs matching (群众所需、政协可为、委员所能)")
    for key, value in result.items():
        print(f"  {key}: {value}")


def main() -> None:
    tmp = tempfile.mkdtemp(prefix="lvzhi-bench-")
    try:
        _run(tmp)
    finally:  # the throwaway database and var directory
        shutil.rmtree(tmp, ignore_errors=True)


def _run(tmp: str) -> None:
    os.environ.setdefault("LVZHI_VAR_DIR", tmp)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lvzhi.settings")
    import django
    from django.core.management import call_command

    django.setup()
    from django.db import connection

    print(f"database: {connection.vendor}")
    if connection.vendor == "postgresql" and not os.environ.get("LVZHI_BENCH_ALLOW_PG_DB"):
        # A PostgreSQL DATABASE_URL must point at a throwaway database.
        print("refusing to write benchmark rows into a PostgreSQL database without LVZHI_BENCH_ALLOW_PG_DB=1")
        sys.exit(2)
    call_command("migrate", verbosity=0)
    only = set(filter(None, os.environ.get("LVZHI_BENCH_ONLY", "").split(",")))
    for name, fn in (
        ("members", bench_member_list),
        ("similar", bench_similar_proposals),
        ("matching", bench_matching),
        ("import", bench_household_import),
        ("figures", bench_assistance_figures),
    ):
        if not only or name in only:
            fn()
            sys.stdout.flush()


if __name__ == "__main__":
    main()
