"""The demo city (`manage.py seed_demo`): 示例市政协 and four county committees, with their
terms, bodies, handling units, about 850 members and one login per role per committee.

Two steps: ``plan_demo(seed)`` draws everything from ``random.Random(seed)`` (pure, no
database, so the same seed always gives the same city), and ``build_demo`` writes the plan
through the same actions as the pages and the import, so every row has its audit entry."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import transaction

from lvzhi.accounts import actions as account_actions
from lvzhi.accounts.models import Role, User
from lvzhi.core.identity import id_check_character
from lvzhi.organisations.models import BodyKind, Level, Organisation, UnitKind
from lvzhi.testing import PASSWORD, bootstrap_admins

DEMO_PASSWORD = PASSWORD
DEFAULT_SEED = 2018
ADMIN_USERNAMES = ("sysadmin", "secadmin", "auditor")
LOGIN_SUFFIXES = (("office", Role.OFFICE), ("leader", Role.LEADER), ("member", Role.MEMBER), ("unit", Role.UNIT))

# ---------------------------------------------------------------------------------------
# Reference data
# ---------------------------------------------------------------------------------------

# Common surnames with their approximate share of the population (per cent).
SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 7.1), ("李", 7.0), ("张", 6.8), ("刘", 5.4), ("陈", 4.5), ("杨", 3.6), ("黄", 2.2), ("赵", 2.0),
    ("吴", 1.8), ("周", 1.7), ("徐", 1.3), ("孙", 1.3), ("马", 1.1), ("朱", 1.1), ("胡", 1.0), ("郭", 1.0),
    ("何", 0.9), ("高", 0.9), ("林", 0.86), ("罗", 0.86), ("郑", 0.8), ("梁", 0.7), ("谢", 0.6), ("宋", 0.55),
    ("唐", 0.54), ("许", 0.5), ("韩", 0.5), ("冯", 0.48), ("邓", 0.47), ("曹", 0.46), ("彭", 0.45), ("曾", 0.44),
    ("肖", 0.42), ("田", 0.41), ("董", 0.4), ("袁", 0.39), ("潘", 0.38), ("于", 0.37), ("蒋", 0.36), ("蔡", 0.35),
    ("余", 0.34), ("杜", 0.33), ("叶", 0.32), ("程", 0.31), ("苏", 0.3), ("魏", 0.29), ("吕", 0.28), ("丁", 0.27),
    ("任", 0.26), ("沈", 0.25), ("姚", 0.24), ("卢", 0.24), ("姜", 0.23), ("崔", 0.22), ("钟", 0.22), ("谭", 0.21),
    ("陆", 0.21), ("汪", 0.2), ("范", 0.2), ("金", 0.19), ("石", 0.19), ("廖", 0.18), ("贾", 0.18), ("夏", 0.17),
    ("韦", 0.17), ("付", 0.16), ("方", 0.16), ("白", 0.16), ("邹", 0.15), ("孟", 0.15), ("熊", 0.15), ("秦", 0.14),
    ("邱", 0.14), ("江", 0.14), ("尹", 0.14), ("薛", 0.13), ("段", 0.13), ("雷", 0.13), ("侯", 0.12), ("龙", 0.12),
    ("史", 0.12), ("陶", 0.11), ("黎", 0.11), ("贺", 0.11), ("顾", 0.1), ("毛", 0.1), ("普", 0.1), ("龚", 0.1),
)  # fmt: skip
MALE_CHARS = "伟强军勇杰涛明超斌磊鹏浩建国华平刚辉峰宇文俊志海波成荣新东亮兵春庆德祥光忠学云龙飞武林松贵昌发永福顺"
FEMALE_CHARS = "芳娜敏静丽艳娟霞玲燕萍红梅琳莉婷雪慧颖琼英兰凤洁倩蓉秀丹佳欣晶云华春玉珍桂莲琴菊瑶媛薇"
ETHNICITIES = (
    ("彝族", 5),
    ("回族", 3),
    ("白族", 2),
    ("哈尼族", 2),
    ("壮族", 2),
    ("傣族", 1),
    ("苗族", 2),
    ("布依族", 1),
)
EDUCATION = (("研究生", 12), ("大学本科", 55), ("大学专科", 20), ("中专", 8), ("高中", 5))
MOBILE_PREFIXES = tuple(
    "130 131 132 133 135 136 137 138 139 150 151 152 153 155 157 158 159 180 181 182 183 187 188 189".split()
)
# Area codes of the prefecture (曲靖-like, Yunnan): 市辖区 and counties.
AREA_CODES = ("530302", "530321", "530322", "530323", "530324", "530325", "530326", "530381")

WORKING_GROUPS = ("第一工作组", "第二工作组", "第三工作组", "第四工作组", "第五工作组", "第六工作组")
COUNTY_COMMITTEES = ("提案委员会", "经济委员会", "农业和农村委员会", "社会和法制委员会", "文化文史和学习委员会")
CITY_COMMITTEES = (*COUNTY_COMMITTEES, "人口资源环境委员会", "教科卫体委员会", "民族宗教和港澳台侨委员会")

# Sectors (界别) and how many of 150 (county) / 250 (city) seats each takes.
PARTY_SECTORS = {
    "中共界": "中共党员",
    "民革界": "民革",
    "民盟界": "民盟",
    "民建界": "民建",
    "民进界": "民进",
    "农工党界": "农工党",
    "九三学社界": "九三学社",
    "无党派人士界": "无党派人士",
}
# Political affiliation of members of the sectors that are not a party's own.
OTHER_SECTOR_PARTIES = (
    ("中共党员", 30), ("无党派人士", 26), ("群众", 22), ("民盟", 5), ("民建", 5), ("民革", 4), ("农工党", 3),
    ("致公党", 1), ("九三学社", 2),
)  # fmt: skip
COUNTY_SECTORS = (
    ("中共界", 20), ("民革界", 3), ("民盟界", 4), ("民建界", 4), ("农工党界", 3), ("无党派人士界", 5),
    ("共青团界", 5), ("妇联界", 6), ("工商联界", 10), ("科技界", 8), ("教育界", 12), ("文化艺术界", 7),
    ("医药卫生界", 10), ("农业界", 14), ("经济界", 14), ("少数民族界", 12), ("宗教界", 3), ("特邀界", 10),
)  # fmt: skip
CITY_SECTORS = (
    ("中共界", 32), ("民革界", 6), ("民盟界", 8), ("民建界", 8), ("民进界", 6), ("农工党界", 6),
    ("九三学社界", 6), ("无党派人士界", 8), ("共青团界", 6), ("妇联界", 8), ("工商联界", 16), ("科技界", 14),
    ("教育界", 18), ("文化艺术界", 12), ("医药卫生界", 16), ("农业界", 16), ("经济界", 20), ("少数民族界", 16),
    ("宗教界", 5), ("社会福利和社会保障界", 8), ("特邀界", 15),
)  # fmt: skip

# Handling units: (name without the place prefix, kind).
COUNTY_UNITS = (
    ("发展和改革局", UnitKind.GOVERNMENT), ("教育局", UnitKind.GOVERNMENT), ("财政局", UnitKind.GOVERNMENT),
    ("自然资源局", UnitKind.GOVERNMENT), ("住房和城乡建设局", UnitKind.GOVERNMENT),
    ("交通运输局", UnitKind.GOVERNMENT), ("农业农村局", UnitKind.GOVERNMENT), ("水务局", UnitKind.GOVERNMENT),
    ("卫生健康局", UnitKind.GOVERNMENT), ("人力资源和社会保障局", UnitKind.GOVERNMENT),
    ("民政局", UnitKind.GOVERNMENT), ("乡村振兴局", UnitKind.GOVERNMENT),
    ("工业商务和信息化局", UnitKind.GOVERNMENT), ("市场监督管理局", UnitKind.GOVERNMENT),
    ("文化和旅游局", UnitKind.GOVERNMENT), ("人民法院", UnitKind.JUDICIAL), ("人民检察院", UnitKind.JUDICIAL),
)  # fmt: skip
COUNTY_TOWNSHIP_UNITS = 3  # plus three townships' governments: 20 units per county
CITY_UNITS = (
    ("发展和改革委员会", UnitKind.GOVERNMENT), ("教育体育局", UnitKind.GOVERNMENT), ("财政局", UnitKind.GOVERNMENT),
    ("自然资源和规划局", UnitKind.GOVERNMENT), ("住房和城乡建设局", UnitKind.GOVERNMENT),
    ("交通运输局", UnitKind.GOVERNMENT), ("农业农村局", UnitKind.GOVERNMENT), ("卫生健康委员会", UnitKind.GOVERNMENT),
    ("人力资源和社会保障局", UnitKind.GOVERNMENT), ("生态环境局", UnitKind.GOVERNMENT),
    ("乡村振兴局", UnitKind.GOVERNMENT), ("中级人民法院", UnitKind.JUDICIAL), ("人民检察院", UnitKind.JUDICIAL),
)  # fmt: skip


@dataclass(frozen=True)
class CommitteeSpec:
    code: str
    name: str
    short_name: str
    place: str  # prefix of unit and employer names: 东城县, 示例市
    level: str
    division_code: str
    seats: int
    townships: tuple[str, ...]
    term_number: int
    term_name: str
    term_start: dt.date
    term_end: dt.date


CITY = CommitteeSpec(
    "sys", "示例市政协", "市政协", "示例市", Level.CITY, "530300", 250, (),
    13, "第十三届", dt.date(2017, 1, 10), dt.date(2022, 1, 9),
)  # fmt: skip
COUNTIES = (
    CommitteeSpec(
        "dcx", "东城县政协", "东城县", "东城县", Level.COUNTY, "530321", 152,
        ("城关镇", "东岳镇", "龙泉镇", "白水镇", "青龙镇", "板桥镇", "石门乡", "河口乡", "新民乡"),
        10, "第十届", dt.date(2016, 12, 20), dt.date(2021, 12, 19),
    ),
    CommitteeSpec(
        "xsx", "西山县政协", "西山县", "西山县", Level.COUNTY, "530322", 147,
        ("金山镇", "马街镇", "旧县镇", "竹基镇", "大坡乡", "五龙乡", "雨露乡", "高良乡", "龙海乡", "芳华镇"),
        10, "第十届", dt.date(2016, 12, 20), dt.date(2021, 12, 19),
    ),
    CommitteeSpec(
        "nhq", "南湖区政协", "南湖区", "南湖区", Level.COUNTY, "530302", 155,
        ("南湖街道", "文华街道", "建设街道", "太和街道", "沿江街道", "花园街道", "东山镇", "茨营镇"),
        10, "第十届", dt.date(2016, 12, 20), dt.date(2021, 12, 19),
    ),
    CommitteeSpec(
        "blx", "北岭县政协", "北岭县", "北岭县", Level.COUNTY, "530323", 146,
        ("北岭镇", "长坡镇", "松林镇", "凤凰镇", "新街镇", "黄泥河镇", "大水井乡", "古城乡", "落水乡"),
        10, "第十届", dt.date(2016, 12, 20), dt.date(2021, 12, 19),
    ),
)  # fmt: skip
SHARED_SEATS = 30  # city members who also sit on a county committee (四级政协委员)


# ---------------------------------------------------------------------------------------
# The plan (pure)
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonPlan:
    name: str
    id_number: str
    ethnicity: str
    party: str
    mobile: str
    education: str
    employer: str
    job_title: str
    expertise: str


@dataclass(frozen=True)
class SeatPlan:
    person: PersonPlan
    code: str
    role: str
    sector: str
    working_group: str
    special_committee: str

    def raw(self) -> dict[str, str]:
        """The member as a row of the import template (strings, Chinese labels)."""
        p = self.person
        return {
            "name": p.name,
            "id_number": p.id_number,
            "ethnicity": p.ethnicity,
            "party": p.party,
            "mobile": p.mobile,
            "education": p.education,
            "employer": p.employer,
            "job_title": p.job_title,
            "expertise": p.expertise,
            "code": self.code,
            "role": self.role,
            "sector": self.sector,
            "working_group": self.working_group,
            "special_committee": self.special_committee,
        }


@dataclass(frozen=True)
class UnitPlan:
    name: str
    kind: str
    contact_name: str
    contact_phone: str


@dataclass
class CommitteePlan:
    spec: CommitteeSpec
    parent: str | None
    sort_order: int
    special_committees: tuple[str, ...]
    sectors: tuple[str, ...]
    working_groups: tuple[str, ...]
    liaison_offices: list[tuple[str, str]]  # (name, township)
    member_homes: list[tuple[str, str]]
    units: list[UnitPlan]
    seats: list[SeatPlan] = field(default_factory=list)
    office_name: str = ""
    leader_name: str = ""
    member_login_id: str = ""  # ID number of the person behind `<code>_member`
    unit_login: str = ""  # handling unit behind `<code>_unit`


@dataclass
class DemoPlan:
    seed: int
    committees: list[CommitteePlan]

    def committee(self, code: str) -> CommitteePlan:
        return next(c for c in self.committees if c.spec.code == code)


def _weighted(rng: random.Random, pairs: Sequence[tuple[str, float]]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _allocate(total: int, weights: Sequence[tuple[str, int]]) -> list[str]:
    """Largest-remainder allocation of ``total`` seats over the weighted sectors."""
    whole = sum(w for _, w in weights)
    exact = [(name, total * w / whole) for name, w in weights]
    counts = {name: int(x) for name, x in exact}
    rest = total - sum(counts.values())
    for name, _x in sorted(exact, key=lambda e: -(e[1] - int(e[1])))[:rest]:
        counts[name] += 1
    return [name for name, _ in weights for _ in range(counts[name])]


class _Drawer:
    """Names, ID numbers and mobiles, unique across the whole demo."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.ids: set[str] = set()
        self.mobiles: set[str] = set()
        self.names: set[str] = set()  # every name is used once in the whole demo: no two 张伟

    def name(self, male: bool) -> str:
        chars = MALE_CHARS if male else FEMALE_CHARS
        while True:
            surname = _weighted(self.rng, SURNAMES)
            given = "".join(self.rng.choice(chars) for _ in range(1 if self.rng.random() < 0.3 else 2))
            if len(given) == 2 and given[0] == given[1] and self.rng.random() < 0.8:
                continue
            name = surname + given
            if name not in self.names:
                self.names.add(name)
                return name

    def id_number(self, area: str, male: bool, born_from: int, born_to: int) -> str:
        while True:
            birth = dt.date(born_from, 1, 1) + dt.timedelta(
                days=self.rng.randrange((dt.date(born_to, 12, 31) - dt.date(born_from, 1, 1)).days)
            )
            seq = self.rng.randrange(0, 999)
            if seq % 2 != (1 if male else 0):
                seq += 1
            first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
            number = first17 + id_check_character(first17)
            if number not in self.ids:
                self.ids.add(number)
                return number

    def mobile(self) -> str:
        while True:
            number = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self.mobiles:
                self.mobiles.add(number)
                return number

    def landline(self) -> str:
        return f"0874-{self.rng.randrange(3100000, 3399999)}"


# Sectors whose kinds of work suit members of the democratic parties and non-party members.
GENERIC_WORK = (
    "教育界",
    "医药卫生界",
    "农业界",
    "经济界",
    "工商联界",
    "科技界",
    "文化艺术界",
    "社会福利和社会保障界",
    "特邀界",
)


def _work(rng: random.Random, sector: str, party: str, spec: CommitteeSpec) -> tuple[str, str, str]:
    """(employer, job title, expertise) natural for the sector."""
    place = spec.place
    if spec.townships:
        town = place + rng.choice(spec.townships)
    else:
        county = rng.choice(COUNTIES)
        town = county.place + rng.choice(county.townships)
    company = rng.choice(
        ("兴农", "恒达", "鑫源", "宏远", "金穗", "云岭", "华泰", "益民", "天成", "绿源", "丰泽", "联创")
    )
    village = rng.choice(("大村", "新村", "小河", "松树", "中和", "团结", "和平", "石岗", "沙沟", "青山"))
    choices: dict[str, list[tuple[str, str, str]]] = {
        "中共界": [
            (f"中共{place}委办公室", "副主任", "党建工作"),
            (f"中共{place}委组织部", "副部长", "干部管理"),
            (f"中共{place}委宣传部", "副部长", "宣传思想工作"),
            (f"{place}人民政府办公室", "主任", "政务管理"),
            (f"中共{town}委员会", "党委书记", "乡村治理"),
            (f"{place}财政局", "局长", "财政管理"),
        ],
        "教育界": [
            (f"{place}第一中学", "校长、高级教师", "基础教育"),
            (f"{place}第二中学", "高级教师", "中学数学教学"),
            (f"{place}实验小学", "校长", "小学教育"),
            (f"{place}职业技术学校", "副校长", "职业教育"),
            (f"{town}中心学校", "校长", "农村教育"),
        ],
        "医药卫生界": [
            (f"{place}人民医院", "院长、主任医师", "医院管理"),
            (f"{place}人民医院", "主任医师", "心血管内科"),
            (f"{place}中医医院", "副主任医师", "中医内科"),
            (f"{place}妇幼保健院", "主治医师", "妇幼保健"),
            (f"{town}卫生院", "院长", "基层医疗"),
            (f"{place}疾病预防控制中心", "主任", "公共卫生"),
        ],
        "农业界": [
            (f"{town}{company}种植专业合作社", "理事长", "特色种植"),
            (f"{place}{company}畜牧养殖专业合作社", "理事长", "畜牧养殖"),
            (f"{place}农业技术推广中心", "高级农艺师", "农业技术推广"),
            (f"{town}{village}村民委员会", "党总支书记", "乡村振兴"),
        ],
        "经济界": [
            (f"云南{company}建材有限公司", "董事长", "企业管理"),
            (f"{place}{company}房地产开发有限公司", "总经理", "房地产开发"),
            (f"{place}农村信用合作联社", "主任", "金融"),
            (f"{place}{company}物流有限公司", "总经理", "现代物流"),
            (f"云南{company}会计师事务所", "注册会计师", "财务会计"),
        ],
        "工商联界": [
            (f"{place}{company}商贸有限公司", "董事长", "商贸流通"),
            (f"{place}{company}食品有限公司", "总经理", "食品加工"),
            (f"{place}{company}酒店有限公司", "总经理", "文化旅游"),
        ],
        "科技界": [
            (f"{place}农业科学研究所", "高级工程师", "作物育种"),
            (f"{place}科学技术协会", "副主席", "科学普及"),
            (f"{place}气象局", "工程师", "气象服务"),
            (f"{place}{company}电子科技有限公司", "技术总监", "信息技术"),
        ],
        "文化艺术界": [
            (f"{place}文化馆", "馆长", "群众文化"),
            (f"{place}融媒体中心", "主任记者", "新闻宣传"),
            (f"{place}文学艺术界联合会", "副主席", "书法"),
            (f"{place}花灯剧团", "演员", "花灯艺术"),
        ],
        "少数民族界": [
            (f"{town}{village}村民委员会", "主任", "民族团结"),
            (f"{place}民族中学", "教师", "民族教育"),
            (f"{place}{company}民族刺绣专业合作社", "理事长", "民族手工艺"),
        ],
        "宗教界": [
            (f"{place}佛教协会", "会长", "宗教事务"),
            (f"{place}伊斯兰教协会", "副会长", "宗教事务"),
            (f"{place}基督教两会", "主任", "宗教事务"),
        ],
        "共青团界": [
            (f"共青团{place}委员会", "书记", "青年工作"),
            (f"{place}{company}电子商务有限公司", "创始人", "电子商务"),
            (f"{place}第一中学", "团委书记", "青少年教育"),
        ],
        "妇联界": [
            (f"{place}妇女联合会", "主席", "妇女儿童工作"),
            (f"{town}{company}家政服务有限公司", "总经理", "家政服务"),
            (f"{town}{village}村民委员会", "妇女主任", "乡村治理"),
        ],
        "社会福利和社会保障界": [
            (f"{place}社会福利院", "院长", "养老服务"),
            (f"{place}残疾人联合会", "理事长", "残疾人事业"),
            (f"{place}医疗保障局", "副局长", "医疗保障"),
        ],
        "特邀界": [
            (f"云南{company}律师事务所", "主任、律师", "法律服务"),
            (f"{place}人民法院", "审判员", "民商事审判"),
            (f"{place}归国华侨联合会", "主席", "侨务工作"),
            (f"{place}{company}律师事务所", "律师", "行政诉讼"),
        ],
    }
    generic = [option for key in GENERIC_WORK for option in choices[key] if "党" not in option[1]]
    options = generic if sector in PARTY_SECTORS and sector != "中共界" else choices.get(sector, generic)
    employer, job, expertise = rng.choice(options)
    if party != "中共党员" and (employer.startswith("中共") or "党" in job):
        employer, job, expertise = rng.choice(generic)
    return employer, job, expertise


def _person(drawer: _Drawer, spec: CommitteeSpec, sector: str, *, leader: bool = False, party: str = "") -> PersonPlan:
    rng = drawer.rng
    male = rng.random() < (0.8 if leader else 0.68)
    name = drawer.name(male)
    area = spec.division_code if spec.level == Level.COUNTY and rng.random() < 0.85 else rng.choice(AREA_CODES)
    born_from, born_to = (1960, 1972) if leader else (1955, 1990)
    if sector == "共青团界":
        born_from, born_to = 1985, 1990
    id_number = drawer.id_number(area, male, born_from, born_to)
    if not party:
        party = PARTY_SECTORS.get(sector, "")
    if not party and sector == "宗教界":
        party = "无党派人士" if rng.random() < 0.7 else "群众"
    if not party:
        party = _weighted(rng, OTHER_SECTOR_PARTIES)
    ethnicity = "汉族"
    if sector == "少数民族界" or rng.random() < 0.12:
        ethnicity = _weighted(rng, ETHNICITIES)
    employer, job, expertise = _work(rng, sector, party, spec)
    return PersonPlan(
        name=name,
        id_number=id_number,
        ethnicity=ethnicity,
        party=party,
        mobile=drawer.mobile(),
        education="研究生" if leader and rng.random() < 0.5 else _weighted(rng, EDUCATION),
        employer=employer,
        job_title=job,
        expertise=expertise,
    )


def _leadership(spec: CommitteeSpec) -> list[tuple[str, str]]:
    """(role, sector) of the chairman's council, in order of precedence."""
    vice = [("副主席", "中共界"), ("副主席", "中共界"), ("副主席", "民盟界"), ("副主席", "工商联界")]
    if spec.level == Level.CITY:
        vice += [("副主席", "民革界")]
    return [("主席", "中共界"), *vice, ("秘书长", "中共界")]


def _committee(
    drawer: _Drawer, spec: CommitteeSpec, parent: str | None, sort_order: int, shared: Sequence[SeatPlan] = ()
) -> CommitteePlan:
    rng = drawer.rng
    city = spec.level == Level.CITY
    sector_weights = CITY_SECTORS if city else COUNTY_SECTORS
    sectors = tuple(s for s, _ in sector_weights)
    committees = CITY_COMMITTEES if city else COUNTY_COMMITTEES
    liaison = [(f"{t}政协联络办", t) for t in spec.townships]
    homes = [(f"{spec.place}政协委员之家", spec.townships[0] if spec.townships else "")]
    if spec.townships:
        homes += [(f"{t}委员之家", t) for t in rng.sample(spec.townships[1:], 2)]
    else:
        homes += [(f"{spec.place}科技界委员之家", "")]
    unit_names = [(f"{spec.place}{n}", k) for n, k in (CITY_UNITS if city else COUNTY_UNITS)]
    if not city:
        unit_names += [(f"{spec.place}{t}人民政府", UnitKind.TOWNSHIP) for t in spec.townships[:COUNTY_TOWNSHIP_UNITS]]
    units = [UnitPlan(n, k, drawer.name(rng.random() < 0.5), drawer.landline()) for n, k in unit_names]
    plan = CommitteePlan(
        spec=spec,
        parent=parent,
        sort_order=sort_order,
        special_committees=committees,
        sectors=sectors,
        working_groups=WORKING_GROUPS,
        liaison_offices=liaison,
        member_homes=homes,
        units=units,
        unit_login=units[0].name,
    )
    plan.office_name = drawer.name(rng.random() < 0.4)

    # Seats: the chairman's council first, then the sectors' shares of the rest.
    new_seats = spec.seats - len(shared)
    pool = _allocate(spec.seats, sector_weights)
    for s in shared:
        if s.sector in pool:
            pool.remove(s.sector)
    leaders = _leadership(spec)
    for _role, sector in leaders:
        pool.remove(sector)
    rng.shuffle(pool)
    drafts: list[tuple[str, str, PersonPlan]] = []
    for role, sector in leaders:
        party = PARTY_SECTORS.get(sector, "中共党员" if rng.random() < 0.5 else "无党派人士")
        person = _person(drawer, spec, sector, leader=True, party=party)
        if sector == "中共界":  # full-time leaders work for the committee itself
            person = replace(person, employer=spec.name, job_title=role, expertise="政协工作")
        drafts.append((role, sector, person))
    for sector in pool[: new_seats - len(leaders)]:
        drafts.append(("委员", sector, _person(drawer, spec, sector)))
    for s in shared:
        role = "常委" if s.role in ("主席", "副主席") else "委员"
        drafts.append((role, s.sector, s.person))
    # About one in six ordinary members sits on the standing committee.
    ordinary = [i for i, d in enumerate(drafts) if d[0] == "委员"]
    standing_target = round(spec.seats * 0.17) - sum(1 for d in drafts if d[0] == "常委")
    for i in rng.sample(ordinary, max(0, standing_target)):
        drafts[i] = ("常委", drafts[i][1], drafts[i][2])
    rank = {"主席": 0, "副主席": 1, "秘书长": 2, "常委": 3, "委员": 4}
    order = sorted(range(len(drafts)), key=lambda i: (rank[drafts[i][0]], i))
    for n, i in enumerate(order, start=1):
        role, sector, person = drafts[i]
        plan.seats.append(
            SeatPlan(
                person=person,
                code=f"{n:04d}",
                role=role,
                sector=sector,
                working_group="" if role in ("主席", "秘书长") else rng.choice(WORKING_GROUPS),
                special_committee=rng.choice(committees) if rng.random() < 0.45 else "",
            )
        )
    plan.leader_name = plan.seats[0].person.name
    return plan


def plan_demo(seed: int = DEFAULT_SEED) -> DemoPlan:
    """Everything the demo will contain, drawn from ``random.Random(seed)``."""
    rng = random.Random(seed)
    drawer = _Drawer(rng)
    counties = [_committee(drawer, spec, CITY.code, n) for n, spec in enumerate(COUNTIES, start=1)]
    # The city's members include each county chairman and some ordinary county members.
    shared: list[SeatPlan] = []
    per_county = [
        SHARED_SEATS // len(counties) + (1 if i < SHARED_SEATS % len(counties) else 0) for i in range(len(counties))
    ]
    for county, count in zip(counties, per_county, strict=True):
        shared.append(county.seats[0])
        shared += rng.sample([s for s in county.seats[7:] if s.role == "委员"], count - 1)
    city = _committee(drawer, CITY, None, 0, shared)
    shared_ids = {s.person.id_number for s in shared}
    for county in counties:
        # The county's member login sits on the city committee too (四级政协委员).
        county.member_login_id = next(
            s.person.id_number for s in county.seats if s.role == "委员" and s.person.id_number in shared_ids
        )
    city.member_login_id = next(
        s.person.id_number for s in city.seats if s.role == "委员" and s.person.id_number not in shared_ids
    )
    return DemoPlan(seed=seed, committees=[city, *counties])


# ---------------------------------------------------------------------------------------
# Writing the plan through the actions
# ---------------------------------------------------------------------------------------


@dataclass
class DemoResult:
    seed: int
    seconds: float
    rows: list[dict[str, Any]]  # per committee: name, bodies, units, members, accounts


def _account(sysadmin: User, secadmin: User, username: str, full_name: str, role: str, **scope: Any) -> User:
    user = account_actions.create_account(
        actor=sysadmin, username=username, full_name=full_name, password=DEMO_PASSWORD
    )
    return account_actions.grant_role(actor=secadmin, user=user, role=role, **scope)


def build_demo(
    seed: int = DEFAULT_SEED,
    *,
    progress: bool = False,
    echo: Callable[[str], None] | None = None,
) -> DemoResult:
    """Create the demo city in an empty database (committees must not exist yet)."""
    from tqdm import tqdm

    from lvzhi.members import actions as member_actions
    from lvzhi.members.models import Person
    from lvzhi.members.validation import BodyLookup, validate_member
    from lvzhi.organisations import actions as org_actions

    started = time.monotonic()
    say = echo or (lambda _text: None)
    plan = plan_demo(seed)
    sysadmin, secadmin, _auditor = bootstrap_admins()
    orgs: dict[str, Organisation] = {}
    with transaction.atomic():
        for c in plan.committees:
            s = c.spec
            orgs[s.code] = org_actions.create_organisation(
                actor=sysadmin,
                code=s.code,
                name=s.name,
                short_name=s.short_name,
                level=s.level,
                parent=orgs[c.parent] if c.parent else None,
                division_code=s.division_code,
                sort_order=c.sort_order,
            )
    rows: list[dict[str, Any]] = []
    for c in plan.committees:
        s = c.spec
        org = orgs[s.code]
        with transaction.atomic():
            office = _account(
                sysadmin, secadmin, f"{s.code}_office", c.office_name, Role.OFFICE,
                organisation=org, can_view_personal_data=True,
            )  # fmt: skip
            _account(sysadmin, secadmin, f"{s.code}_leader", c.leader_name, Role.LEADER, organisation=org)
            org_actions.create_term(
                actor=office,
                organisation=org,
                number=s.term_number,
                name=s.term_name,
                start_date=s.term_start,
                end_date=s.term_end,
            )
            bodies: list[tuple[str, str, str]] = [
                *((BodyKind.SPECIAL_COMMITTEE, n, "") for n in c.special_committees),
                *((BodyKind.SECTOR, n, "") for n in c.sectors),
                *((BodyKind.WORKING_GROUP, n, "") for n in c.working_groups),
                *((BodyKind.LIAISON_OFFICE, n, t) for n, t in c.liaison_offices),
                *((BodyKind.MEMBER_HOME, n, t) for n, t in c.member_homes),
            ]
            for order, (kind, name, township) in enumerate(bodies):
                org_actions.create_body(
                    actor=office, organisation=org, kind=kind, name=name, township=township, sort_order=order
                )
            units = {
                u.name: org_actions.create_handling_unit(
                    actor=office,
                    organisation=org,
                    name=u.name,
                    kind=u.kind,
                    contact_name=u.contact_name,
                    contact_phone=u.contact_phone,
                )
                for u in c.units
            }
            lookup = BodyLookup(org)
            seats: Iterable[SeatPlan] = tqdm(
                c.seats, desc=s.name, unit="名", leave=False, disable=None if progress else True
            )
            for seat in seats:
                data, errors = validate_member(seat.raw(), org, bodies=lookup)
                if errors:
                    raise ValueError(f"演示数据有误（{seat.person.name}）：{errors}")
                member_actions.save_member(actor=office, organisation=org, data=data)
            person = Person.objects.get(id_number=c.member_login_id)
            _account(sysadmin, secadmin, f"{s.code}_member", person.name, Role.MEMBER, organisation=org, person=person)
            unit = units[c.unit_login]
            _account(sysadmin, secadmin, f"{s.code}_unit", unit.contact_name, Role.UNIT, handling_unit=unit)
        row = {
            "organisation": s.name,
            "code": s.code,
            "term": s.term_name,
            "bodies": len(bodies),
            "units": len(units),
            "members": len(c.seats),
            "accounts": len(LOGIN_SUFFIXES),
        }
        rows.append(row)
        say(
            f"{s.name}（{s.code}）：{s.term_name}，机构{row['bodies']}个，承办单位{row['units']}个，"
            f"委员{row['members']}名，账号{row['accounts']}个"
        )
    return DemoResult(seed=seed, seconds=time.monotonic() - started, rows=rows)


# ---------------------------------------------------------------------------------------
# The demo logins
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    role_label: str
    organisation: str | None
    organisation_name: str
    note: str

    def as_json(self) -> dict[str, str | None]:
        return {
            "username": self.username,
            "password": self.password,
            "role": self.role,
            "organisation": self.organisation,
            "note": self.note,
        }


def demo_logins() -> list[DemoLogin]:
    """The demo accounts that exist: the three administrators, then one login per role per
    committee (city first)."""
    usernames = list(ADMIN_USERNAMES)
    orgs = list(Organisation.objects.order_by("sort_order", "path"))
    usernames += [f"{o.code}_{suffix}" for o in orgs for suffix, _ in LOGIN_SUFFIXES]
    users = {
        u.username: u
        for u in User.objects.filter(username__in=usernames, is_active=True).select_related(
            "organisation", "handling_unit", "person"
        )
    }
    logins: list[DemoLogin] = []
    for username in usernames:
        user = users.get(username)
        if user is None:
            continue
        if user.role == Role.OFFICE:
            note = f"{user.full_name}，可查看个人敏感信息" if user.can_view_personal_data else user.full_name
        elif user.role == Role.MEMBER and user.person is not None:
            seats = "、".join(m.organisation.short_name for m in user.person.memberships.select_related("organisation"))
            note = f"委员{user.person.name}（{seats}）"
        elif user.role == Role.UNIT and user.handling_unit is not None:
            note = f"{user.handling_unit.name} {user.full_name}"
        else:
            note = user.full_name
        logins.append(
            DemoLogin(
                username=user.username,
                password=DEMO_PASSWORD,
                role=user.role,
                role_label=str(Role(user.role).label),
                organisation=user.organisation.code if user.organisation else None,
                organisation_name=user.organisation.name if user.organisation else "",
                note=note,
            )
        )
    return logins
