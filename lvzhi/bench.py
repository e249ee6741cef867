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
import statistics
import sys
import tempfile
import time
from collections.abc import Callable


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


def main() -> None:
    tmp = tempfile.mkdtemp(prefix="lvzhi-bench-")
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
    bench_member_list()


if __name__ == "__main__":
    main()
