"""Campaign templates (活动模板) as data: a committee starts a campaign from one of these and
may then rename, add or remove action kinds. Each action kind says what it mainly produces
(`measure`) and which household need it answers (`need_kind`), which is what matching uses.

Sources: 三送三帮 and 百日会战 from seed 001, 七个助推 / 六个助推 and 九个一活动 from seed 000
and the provincial arrangement the speeches refer to."""

from __future__ import annotations

from typing import Any

TEMPLATES: dict[str, dict[str, Any]] = {
    "sansong-sanbang": {
        "name": "三送三帮",
        "theme": "七个助推",
        "description": "为贫困家庭送一次爱心、送一次信息服务、送一次技术指导；有条件的政协委员帮助一名贫困家庭"
        "在校学生完成学业、帮助一个贫困家庭一名成员就业、帮助一个贫困家庭确定一项增收产业。",
        "kinds": [
            ("send-love", "送一次爱心", "money", "goods"),
            ("send-info", "送一次信息服务", "info", "information"),
            ("send-tech", "送一次技术指导", "materials", "technology"),
            ("help-student", "帮助一名学生完成学业", "students", "school"),
            ("help-job", "帮助一名成员就业", "jobs", "job"),
            ("help-industry", "帮助确定一项增收产业", "industry", "industry"),
        ],
    },
    "qige-zhutui": {
        "name": "七个助推",
        "theme": "脱贫攻坚助推行动",
        "description": "围绕产业发展、就业创业、教育扶贫、健康扶贫、危房改造、人居环境、激发内生动力七个方面助推脱贫攻坚。",
        "kinds": [
            ("industry", "助推产业发展", "industry", "industry"),
            ("employment", "助推就业创业", "jobs", "job"),
            ("education", "助推教育扶贫", "students", "school"),
            ("health", "助推健康扶贫", "key_matters", "medical"),
            ("housing", "助推危房改造", "key_matters", "housing"),
            ("environment", "助推人居环境提升", "key_matters", ""),
            ("motivation", "助推激发内生动力", "info", "information"),
        ],
    },
    "liuge-zhutui": {
        "name": "六个助推",
        "theme": "脱贫攻坚助推行动",
        "description": "助推产业扶贫、就业扶贫、教育扶贫、健康扶贫、科技扶贫、消费扶贫。",
        "kinds": [
            ("industry", "助推产业扶贫", "industry", "industry"),
            ("employment", "助推就业扶贫", "jobs", "job"),
            ("education", "助推教育扶贫", "students", "school"),
            ("health", "助推健康扶贫", "key_matters", "medical"),
            ("technology", "助推科技扶贫", "materials", "technology"),
            ("consumption", "助推消费扶贫", "money", "goods"),
        ],
    },
    "jiuge-yi": {
        "name": "九个一活动",
        "theme": "脱贫攻坚助推行动",
        "description": "每名委员联系一个贫困村、结对一户贫困户、开展一次走访、办一件实事、提一条建议、"
        "送一条信息、捐一份爱心、帮一名学生、推荐一个岗位。",
        "kinds": [
            ("village", "联系一个贫困村", "visit", ""),
            ("pair", "结对一户贫困户", "visit", ""),
            ("visit", "开展一次走访", "visit", ""),
            ("matter", "办一件实事", "key_matters", "housing"),
            ("advice", "提一条建议", "info", "information"),
            ("info", "送一条信息", "info", "information"),
            ("love", "捐一份爱心", "money", "goods"),
            ("student", "帮一名学生", "students", "school"),
            ("job", "推荐一个岗位", "jobs", "job"),
        ],
    },
    "bairi-huizhan": {
        "name": "百日会战",
        "theme": "脱贫摘帽",
        "description": "脱贫摘帽“百日会战”：围绕住房、教育、产业、就业、健康等重点，紧盯困难送在紧要时，瞄准弱项帮在关键处。",
        "days": 100,
        "kinds": [
            ("housing", "住房保障", "key_matters", "housing"),
            ("education", "就学帮扶", "students", "school"),
            ("industry", "产业帮扶", "industry", "industry"),
            ("employment", "就业帮扶", "jobs", "job"),
            ("health", "就医帮扶", "key_matters", "medical"),
            ("donation", "捐资捐物", "money", "goods"),
        ],
    },
}


def template_choices() -> list[tuple[str, str]]:
    return [(code, str(t["name"])) for code, t in TEMPLATES.items()]
