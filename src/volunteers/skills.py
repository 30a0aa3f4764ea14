"""Skills and the skill catalog.

Skills are identified by short codes (``"first_aid"``). An organization may
declare its catalog; when it does, every skill a volunteer or an order names
must be in it. :data:`DEFAULT_SKILLS` is a generic catalog of community
services, used by the synthetic generator and as a starting point.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from volunteers.ids import Id


class Skill(BaseModel):
    """A skill or qualification.

    Parameters
    ----------
    code
        Identifier used everywhere else (``"legal_advice"``).
    name
        Human-readable name.
    native_name
        Optional name in the local language.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: Id
    name: str = ""
    native_name: str | None = None


def _s(code: str, name: str, native: str) -> Skill:
    return Skill(code=code, name=name, native_name=native)


DEFAULT_SKILLS: tuple[Skill, ...] = (
    _s("policy_lecturing", "Policy and theory lecturing", "理论政策宣讲"),
    _s("storytelling", "Local storytelling", "草根宣讲"),
    _s("performing_arts", "Performing arts", "文艺表演"),
    _s("calligraphy_painting", "Calligraphy and painting", "书画"),
    _s("tutoring", "Tutoring", "助学辅导"),
    _s("childcare", "Child care and companionship", "儿童关爱"),
    _s("medical", "Medical consultation", "义诊"),
    _s("first_aid", "First aid", "急救"),
    _s("fitness_coaching", "Fitness coaching", "健身指导"),
    _s("science_outreach", "Science outreach", "科普"),
    _s("legal_advice", "Legal advice", "法律咨询"),
    _s("mediation", "Dispute mediation", "矛盾调解"),
    _s("cleaning", "Cleaning and environment", "环境卫生"),
    _s("elder_care", "Elder care and home visits", "敬老助老"),
    _s("haircut", "Haircut", "理发"),
    _s("appliance_repair", "Appliance repair", "家电维修"),
    _s("agri_tech", "Farming techniques", "农技指导"),
    _s("digital_help", "Smartphone and online services help", "数字助老"),
    _s("psych_support", "Psychological support", "心理疏导"),
    _s("traffic_guidance", "Traffic guidance", "文明交通劝导"),
    _s("publicity", "Door-to-door publicity", "入户宣传"),
    _s("driving", "Driving", "驾驶"),
    _s("emergency_rescue", "Emergency rescue", "应急救援"),
    _s("job_coaching", "Employment help", "就业帮扶"),
)
"""A generic catalog of community-service skills."""
