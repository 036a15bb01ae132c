"""Hard requirements (issue 8): detection in Chinese and English, and their effect on a real ranking."""
from __future__ import annotations

from matchmaker.matching import constraints

ONPREM_ZH = "系统须在行内私有化部署，数据不出行。"
ONPREM_EN = "The system must run inside the hospital network and never send data outside."


def test_requirements_detected_in_both_languages():
    assert [r.key for r in constraints.requirements(ONPREM_ZH)] == ["local_hosting"]
    assert [r.key for r in constraints.requirements(ONPREM_EN)] == ["local_hosting"]
    assert "no_camera" in [r.key for r in constraints.requirements("严禁在老人家中安装摄像头。")]
    assert "registration" in [r.key for r in constraints.requirements("软件须持有国家药监局三类医疗器械注册证。")]
    assert "keep_existing" in [r.key for r in constraints.requirements("Panels and detectors will not be replaced.")]
    # a stated allowance is not a must-have
    assert constraints.requirements("A domestic public cloud is acceptable.") == []


def test_saas_only_profiles_conflict_with_on_premises():
    for req in (ONPREM_ZH, ONPREM_EN):
        zh = constraints.check(req, "我们的质检服务仅提供公有云SaaS，按调用量计费。")
        en = constraints.check(req, "Our QC service is SaaS only, billed per call.")
        assert [c.key for c in zh] == ["local_hosting"]
        assert [c.key for c in en] == ["local_hosting"]
        assert "SaaS" in en[0].sentence


def test_compatible_profiles_have_no_conflict():
    for req in (ONPREM_ZH, ONPREM_EN):
        assert constraints.check(req, "系统支持内网私有化部署并适配国产算力。") == []
        assert constraints.check(req, "Deployed on-premises or as SaaS, at the customer's choice.") == []
    assert constraints.check("严禁安装摄像头。", "采用毫米波雷达，非摄像头方案，保护隐私。") == []
    assert [c.key for c in constraints.check("严禁安装摄像头。", "基于摄像头的跌倒检测。")] == ["no_camera"]


def test_conflict_lowers_a_match_and_is_explained(tmp_path):
    from matchmaker.db import db
    from matchmaker.evaluate import make_app
    from matchmaker.importers import import_records
    from matchmaker.matching import recommend, store
    from matchmaker.models import Scenario

    app = make_app(tmp_path)
    with app.app_context():
        base = "provides AI quality inspection of bank dual-recording videos: risk disclosure scripts, " \
               "customer confirmation and identity checks"
        import_records("startup", [
            {"external_id": "ok", "name": "VaultQC", "language": "en",
             "description": f"VaultQC {base}. It is deployed on-premises inside the bank."},
            {"external_id": "saas", "name": "CloudQC", "language": "en",
             "description": f"CloudQC {base}. The service is SaaS only: videos are uploaded to its public cloud."},
            {"external_id": "zh", "name": "汇审科技", "language": "zh",
             "description": "汇审科技提供银行双录视频AI质检，检查风险揭示话术和客户确认，支持行内私有化部署。"},
        ])
        import_records("scenario", [{"external_id": "s", "title": "双录音视频智能质检", "language": "zh",
                                     "status": "open",
                                     "problem": "对银行双录视频进行人工智能质检，检查风险揭示话术、客户确认和身份核验。" + ONPREM_ZH}])
        store.rebuild("startup")
        store.rebuild("scenario")
        sc = db.session.execute(db.select(Scenario)).scalar_one()
        matches = recommend.startups_for_scenario(sc, top=3)
        names = [m.name for m in matches]
        assert names[-1] == "CloudQC"
        bad = matches[-1]
        assert bad.parts["conflict"] == 1.0
        assert any(r.startswith("Fails requirement") and "SaaS" in r for r in bad.reasons)
        assert all(m.parts["conflict"] == 0.0 for m in matches[:-1])
        # evidence keeps working across languages: a Chinese requirement, English support
        en = next(m for m in matches if m.name == "VaultQC")
        assert any(e["support"] for e in en.evidence)
        db.session.remove()
        db.engine.dispose()
