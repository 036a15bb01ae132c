"""Chinese and English: the catalogue is complete and compiled, pages follow the browser and the switch,
amounts and dates are formatted per locale."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask_babel import refresh

TR = Path(__file__).resolve().parents[1] / "matchmaker" / "translations"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[.0-9]*[sdf]|%%")


def _page(client, url: str, **headers) -> str:
    """A page as text; the test's app context outlives requests, so forget the cached locale first."""
    refresh()
    return client.get(url, headers=headers).get_data(as_text=True)


def test_catalogue_translates_every_message_and_is_compiled():
    pot = {m.id for m in read_po((TR / "messages.pot").open("rb")) if m.id}
    po = {m.id: m for m in read_po((TR / "zh_CN/LC_MESSAGES/messages.po").open("rb")) if m.id}
    assert pot <= set(po), f"not in the zh_CN catalogue: {sorted(pot - set(po))[:10]}"
    untranslated = [i for i, m in po.items() if not m.string or m.fuzzy]
    assert not untranslated, untranslated[:10]
    for i, m in po.items():
        ident, text = (i[0], m.string[0]) if isinstance(i, tuple) else (i, m.string)  # plurals: zh has one form
        assert sorted(PLACEHOLDER.findall(ident)) == sorted(PLACEHOLDER.findall(text)), i
    def key(x):
        return tuple(x) if isinstance(x, (list, tuple)) else x

    mo = {key(m.id): key(m.string) for m in read_mo((TR / "zh_CN/LC_MESSAGES/messages.mo").open("rb")) if m.id}
    stale = [i for i, m in po.items() if mo.get(key(i)) != key(m.string)]
    assert not stale, f"messages.mo is older than messages.po (run pybabel compile): {stale[:5]}"
    assert (TR / "en/LC_MESSAGES/messages.mo").exists()


def test_accept_language_picks_chinese_and_the_switch_overrides_it(client, auth):
    auth.login("fund@demo.cn")
    zh = _page(client, "/deals/", **{"Accept-Language": "zh-CN,zh;q=0.9"})
    assert "项目源" in zh and '<html lang="zh-CN">' in zh
    en = _page(client, "/deals/", **{"Accept-Language": "en-US"})
    assert "Deal flow" in en and "项目源" not in en and '<html lang="en">' in en
    client.get("/lang/zh_CN")
    assert "项目管道" in _page(client, "/deals/pipeline", **{"Accept-Language": "en"})
    client.get("/lang/en")
    assert "Pipeline" in _page(client, "/deals/pipeline", **{"Accept-Language": "zh-CN"})


def test_engine_reasons_and_labels_are_translated(client, auth):
    auth.login("startup@demo.cn")
    client.get("/lang/zh_CN")
    page = _page(client, "/feed/")
    assert "语义相似度" in page and "我的动态" in page and "给场景方的留言" in page
    assert "Semantic similarity" not in page


def test_cny_and_dates_per_locale(app):
    from matchmaker.i18n import cny, cny_range, day

    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        refresh()
        assert cny(30_000_000) == "3000万元" and cny(120_000_000) == "1.2亿元" and cny(5000) == "5,000元"
        assert cny(None) == "—" and cny_range(1e6, None) == "100万元 – ∞"
        assert "2026" in day(dt.date(2026, 3, 1)) and "3" in day(dt.date(2026, 3, 1))
    with app.test_request_context(headers={"Accept-Language": "en"}):
        refresh()
        assert cny(30_000_000) == "¥30.0M" and cny(1_200_000_000) == "¥1.2B" and cny(500_000) == "¥500K"
        assert day(dt.date(2026, 3, 1)) == "Mar 1, 2026"


def test_every_workspace_page_renders_in_both_languages_without_inline_script(client, auth):
    pages = {"fund@demo.cn": ["/deals/?q=vision", "/deals/pipeline", "/deals/graph", "/startups/2"],
             "owner@demo.cn": ["/desk/", "/desk/1"], "startup@demo.cn": ["/feed/", "/startups/1/edit"],
             "organiser@demo.cn": ["/connect/", "/notifications"]}
    for email, urls in pages.items():
        auth.login(email)
        for lang in ("zh_CN", "en"):
            client.get(f"/lang/{lang}")
            for url in urls:
                refresh()
                r = client.get(url)
                html = r.get_data(as_text=True)
                assert r.status_code == 200, (email, url)
                assert ('<html lang="zh-CN">' in html) == (lang == "zh_CN"), url
                assert "<script>" not in html and "style=" not in html and "onclick=" not in html, url
                assert ("中文" in html) and ("EN" in html)  # the switch on every page
        auth.logout()
