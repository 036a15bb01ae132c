# ruff: noqa: E501  (pattern tables read better one rule per line)
"""Hard requirements of a scenario (must-haves) and the candidate statements that contradict them.

A scenario's must-haves (on-premises deployment, no cameras, a device registration, keeping installed
systems, performance floors) are detected with Chinese and English patterns; a candidate conflicts with
one when its own profile states the opposite (public-cloud only, camera-based, no registration, replaces
the existing system, ...). Conflicts lower the score (the `conflict` part) and are named in the reasons.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from matchmaker.matching.profiles import sentences

_I = re.IGNORECASE


@dataclass(frozen=True)
class Rule:
    key: str
    label: str             # the requirement, as shown in reasons
    opposite: str          # what a failing profile says
    need: re.Pattern       # the scenario states the requirement
    fails: re.Pattern      # a candidate sentence states the opposite
    spare: re.Pattern | None = None  # a failing-looking sentence that is in fact compatible


def _re(*alts: str) -> re.Pattern:
    return re.compile("|".join(f"(?:{a})" for a in alts), _I)


RULES: tuple[Rule, ...] = (
    Rule(
        "local_hosting", "on-premises / private deployment, data kept in-house", "public cloud or SaaS only",
        need=_re(r"私有化部署|本地化?部署|院内部署|行内部署|校内本地|内网|专网部署|政务云|数据不出|不出(院|行|校|境|国)",
                 r"不得(上传|调用)[^。；]{0,8}(公有云|外部)|不得上传|数据中心",
                 r"on-?premises?|on-prem\b|intranet|private cloud|government cloud|inside the hospital network",
                 r"(data|records|models|images)[^.;]{0,60}(must|should|may|will)\s+(not|never)\s+(leave|be sent|be uploaded)",
                 r"never send data outside|must stay on|stay on our|hosted in mainland china|must not leave the country"),
        fails=_re(r"(仅|只)(能)?(通过|提供|支持|以|在)?[^。；，,]{0,12}(公有云|SaaS|云端|云平台|云服务|网页端)",
                  r"上传至[^。；]{0,8}(公司|厂商|其|自有)[^。；]{0,4}云", r"不(支持|提供)[^。；]{0,6}(本地|私有化|离线)部署",
                  r"(only|exclusively)\b[^.;]{0,60}\b(public[- ]cloud|cloud service|saas|web service|cloud platform)",
                  r"(public[- ]cloud|saas|cloud)[^.;]{0,30}\bonly\b", r"no on-?premises", r"without (an )?on-?premises",
                  r"on-?premises[^.;]{0,40}(is|are) not (offered|available|supported)",
                  r"(hosted|runs?) (only )?(on|in) (a |its |their )?(own )?(us|u\.s\.|european|foreign|american)\b[^.;]{0,20}cloud",
                  r"hosted in (frankfurt|singapore|the us|the united states|europe)",
                  r"(export|upload)[^.;]{0,60}to (its|their|the company's)[^.;]{0,30}(cloud|platform)",
                  r"no (server|government-cloud|on-?premises|private) (or [a-z-]+ )?(deployment|version)",
                  r"(us|european)[- ]based cloud", r"runs only on (its|the company's|their)"),
        spare=_re(r"也(可|支持)[^。；]{0,6}(私有化|本地)", r"or on-?premises", r"on-?premises (or|and)")),
    Rule(
        "no_camera", "no cameras", "camera-based",
        need=_re(r"(严禁|禁止|不得|不允许|不能|不可)[^。；，]{0,8}摄像", r"非摄像", r"无摄像",
                 r"\bno cameras?\b", r"without cameras?", r"cameras? (are|is) (not allowed|banned|prohibited|forbidden)",
                 r"camera-free", r"must not (use|install)[^.;]{0,20}cameras?", r"non-camera"),
        fails=_re(r"基于(智能)?摄像|智能摄像|安装[^。；]{0,6}摄像|摄像头[^。；]{0,8}(识别|检测|看护)|视频(看护|监控|查看)",
                  r"camera-based", r"(smart|in-room|installed|home) cameras?", r"cameras? (in|installed in) (the )?(room|home|bedroom)",
                  r"video (monitoring|analytics) of (residents|the room)"),
        spare=_re(r"非摄像|无摄像|不(使用|用|需|需要)摄像|无需摄像|without cameras?|no cameras?|camera-free|non-camera|instead of cameras?")),
    Rule(
        "registration", "medical device registration (NMPA)", "no registration",
        need=_re(r"注册证|药监局|NMPA|医疗器械注册", r"registration certificate|medical[- ]device registration|registered with the nmpa"),
        fails=_re(r"(尚未|未|没有|暂未)(取得|获得|获取|办理)[^。；]{0,16}(注册证|注册|审批)", r"(暂无|无)[^。；，]{0,6}注册证",
                  r"不做[^。；]{0,6}分级", r"仅[^。；]{0,6}科研",
                  r"no (approval|registration|clearance)[^.;]{0,20}(in )?china", r"has no (nmpa|chinese|china) (approval|registration)",
                  r"without (nmpa|chinese) (approval|registration)", r"not (yet )?(registered|approved) (in|by|with)",
                  r"research use only", r"pending (nmpa )?registration")),
    Rule(
        "keep_existing", "works with the installed equipment / existing system (not replaced)", "replaces it or works only with its own",
        need=_re(r"不(更换|替换)|继续使用|保留现有|兼容[^。；]{0,6}(已安装|现有|存量)|利旧|(对接|接入)现有|与现有[^。；]{0,10}对接",
                 r"not (to )?be replaced|will not be replaced|will stay|will remain|keep (our|the) existing",
                 r"compatible with (the )?(installed|existing)", r"through (each|the) vendor'?s?",
                 r"integrat(e|ion) (with|through) (our|the existing)", r"work with (our )?(existing|installed)"),
        fails=_re(r"不(支持|兼容)(其他|第三方|其它)", r"仅(支持|适用于?|兼容)[^。；]{0,10}(自有|本公司|自家|本品牌)",
                  r"需(要)?(整体|全部|全套)?(更换|替换)", r"(整体|全套)(更换|替换)",
                  r"only to [a-z ]{0,30} that replace", r"requires? (replacing|replacement of|customers to replace)",
                  r"does not integrate with third-party", r"cannot work (through|with) (proprietary|third-party|existing|other)",
                  r"only with (its|their) own", r"needs? o-ran-compliant", r"own-brand", r"not compatible with")),
)


@dataclass(frozen=True)
class Conflict:
    key: str
    label: str
    opposite: str
    sentence: str


def requirements(text: str) -> list[Rule]:
    """The hard requirements a scenario text states."""
    return [r for r in RULES if r.need.search(text or "")]


def claims(text: str) -> dict[str, str]:
    """Which requirements a candidate's profile says it cannot meet: rule key -> the sentence that says so."""
    out: dict[str, str] = {}
    for s in sentences(text or "", min_len=4):
        for r in RULES:
            if r.key in out:
                continue
            if r.fails.search(s) and not (r.spare and r.spare.search(s)):
                out[r.key] = s
    return out


def conflicts(reqs: list[Rule], cand_claims: dict[str, str]) -> list[Conflict]:
    """The requirements a candidate fails, each with the profile sentence that says so."""
    return [Conflict(r.key, r.label, r.opposite, cand_claims[r.key]) for r in reqs if r.key in cand_claims]


def check(requirement_text: str, profile_text: str) -> list[Conflict]:
    """Convenience: the conflicts between one scenario text and one profile text."""
    return conflicts(requirements(requirement_text), claims(profile_text))
