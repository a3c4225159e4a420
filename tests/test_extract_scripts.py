"""Extraction in any script: text measures count characters where a language writes no spaces
between words (Chinese, Japanese, Thai), and bylines and dates read as each language writes them.

The whole pages (Chinese, Thai, Arabic, Japanese CMS layouts, with and without structured data) are in
the fixture corpus (tests/fixtures/extract, scored by test_extract_corpus.py); these are the rules.
"""

from __future__ import annotations

import pytest

from archiver.extract import analyze_page
from archiver.extract.authors import split_authors
from archiver.extract.boilerplate import is_widget_line
from archiver.extract.dates import date_from_text
from archiver.extract.text import word_count

ZH_STORY = "".join(
    f"<p>{text}</p>" for text in [
        "6月以来，长江中下游地区迎来入汛以来最强的一轮降雨过程，湖北、安徽、江西等地累计降雨量较常年同期偏多五成以上。",
        "水利部门20日发布通报称，长江干流九江至大通段将在未来三天出现超警戒水位，沿江各地已启动防汛四级应急响应。",
        "气象专家提醒，本轮降雨具有持续时间长、累计雨量大、降雨区域重叠度高等特点，公众应减少外出，注意防范次生灾害。",
        "截至20日上午，湖北省已转移低洼地区群众一万余人，各地防汛物资和抢险队伍已提前部署到位，交通部门也加强了巡查。",
    ])
ZH_HEADLINE = "长江中下游迎来入汛以来最强降雨"


@pytest.mark.parametrize(("text", "words"), [
    ("Storm batters coast, leaving thousands without power", 7),
    ("字号：大 中 小", 3),  # five characters: a font-size bar, not a four-word line
    (ZH_HEADLINE, 8),  # fifteen characters: a headline, not one word
    ("ロボットが接客するカフェ、渋谷に開店", 9),
    ("กรุงเทพฯ เปิดให้บริการรถไฟฟ้าสายสีชมพู", 7),
    ("افتتاح أكبر محطة لتحلية المياه", 5),
    ("", 0),
])
def test_words_are_counted_in_every_script(text, words):
    assert word_count(text) == words


@pytest.mark.parametrize("tools", [
    '<div class="fs">字号：<span onclick="s(1)">大</span> <span onclick="s(2)">中</span> <span onclick="s(3)">小</span></div>',
    '<p class="tools">字体：大 中 小</p>',
    '<div class="text-size">Text size: <span>A</span> <span>A</span> <span>A</span></div>',
])
def test_a_font_size_bar_under_a_chinese_headline_is_not_its_deck(tools):
    html = (f'<html lang="zh-CN"><head><title>{ZH_HEADLINE}_江城日报</title></head><body><div class="hd">'
            f'<h1>{ZH_HEADLINE}</h1>{tools}</div><div class="content">{ZH_STORY}</div></body></html>')
    analysis = analyze_page(html, "https://news.jiangcheng-ribao.cn/2024/06/20/a1234.html")
    assert analysis.article.headline == ZH_HEADLINE
    assert "字号" not in analysis.article.body and "大 中 小" not in analysis.article.body
    assert analysis.judgement.values["headline-in-title"] == 1.0  # a Chinese headline is a headline of words
    assert analysis.kind == "article"


def test_a_one_line_deck_in_chinese_is_still_a_deck():
    deck = "受强降雨影响，湖北、安徽、江西等地河流水位持续上涨"
    html = (f'<html lang="zh-CN"><head><title>{ZH_HEADLINE}</title></head><body><div class="hd">'
            f'<h1>{ZH_HEADLINE}</h1><h2>{deck}</h2></div><div class="content">{ZH_STORY}</div></body></html>')
    assert analyze_page(html, "https://news.jiangcheng-ribao.cn/2024/06/20/a1234.html").article.headline == \
        f"{ZH_HEADLINE}\n{deck}"


@pytest.mark.parametrize(("line", "names"), [
    ("记者 李明", ["李明"]),
    ("本报记者 王芳", ["王芳"]),
    ("โดย สมชาย ใจดี", ["สมชาย ใจดี"]),
    ("بقلم أحمد الخطيب", ["أحمد الخطيب"]),
    ("By Jane Doe and John Roe", ["Jane Doe", "John Roe"]),
    ("Oleh Ahmad Fauzi", ["Ahmad Fauzi"]),  # Indonesian, Malay
])
def test_bylines_lose_their_word_for_by_in_every_language(line, names):
    assert split_authors(line) == names


@pytest.mark.parametrize(("text", "day_first", "day"), [
    ("Updated: 10/31/2024", False, "2024-10-31"),
    ("07/01/2024 10:15 น.", True, "2024-01-07"),  # a Thai page: day first
    ("07/01/2024", False, "2024-07-01"),  # a US page: month first
    ("2024/03/12 - 14:00", True, "2024-03-12"),
    ("2024年6月20日 09:30", True, "2024-06-20"),
])
def test_numeric_dates_read_as_the_page_language_writes_them(text, day_first, day):
    assert date_from_text(text, day_first) == day


def test_a_sentence_is_not_a_tool_bar():
    assert is_widget_line("字号：大 中 小") and is_widget_line("Text size: A A A")
    assert not is_widget_line("Rescuers reach the last village cut off by the floods")
    assert not is_widget_line("受强降雨影响，湖北、安徽、江西等地河流水位持续上涨")


def test_a_list_of_links_between_chinese_paragraphs_sits_between_the_story_prose():
    # Chinese paragraphs of 40-odd characters are prose (each says what 130 Latin letters would): the list
    # of links under the first is inside the story, as it would be between English paragraphs.
    from archiver.extract.body import link_features

    first = "市政府周二宣布，港口码头将关闭至明年春季，工程师在例行检查中发现桩基严重受损，维修需要数月时间。"
    second = "港务局表示，渔船将暂时停靠北岸，渡轮航线不受影响，居民可以在市政府网站查询最新的维修进度安排。"
    items = ["码头维修计划全文", "港务局公告", "渡轮时刻表"]
    blocks = [(first, 0), *[(item, len(item)) for item in items], (second, 0)]
    features = link_features(blocks)
    assert sorted(features) == [1, 2, 3]
    assert all(values["between-prose"] == 1.0 and values["before-prose"] == 0.0 for values in features.values())


@pytest.mark.parametrize(("text", "day"), [
    ("14 มีนาคม 2568", "2025-03-14"),  # Thai: a month name, a year of the Buddhist era
    ("14 มี.ค. 2568 10:30 น.", "2025-03-14"),
    ("١٤ مارس ٢٠٢٥", "2025-03-14"),  # Arabic-Indic digits
    ("١٤ كانون الثاني ٢٠٢٥", "2025-01-14"),  # the Levantine month names
    ("2025년 3월 14일 10:30", "2025-03-14"),  # Korean
    ("２０２５年３月１４日", "2025-03-14"),  # full-width digits
    ("14 марта 2025 года", "2025-03-14"),
    ("Σάββατο 14 Μαρτίου 2025", "2025-03-14"),
])
def test_dates_are_read_in_every_script_and_calendar(text, day):
    assert date_from_text(text) == day


@pytest.mark.parametrize(("line", "names"), [
    ("2025年03月14日 10:30 来源：江城日报 记者 王小明", ["王小明"]),  # a credit line: the day, the source, the reporter
    ("来源：新华网 作者：张三 责任编辑：李四", ["张三"]),  # the editor is no author
    ("本报记者 王芳 李华", ["王芳", "李华"]),
    ("山田 太郎 記者", ["山田 太郎"]),  # a Japanese name keeps its space
    ("记者14日从市政府获悉", []),  # a sentence that starts with the word for reporter
    ("記者王小明／台北報導　2025年3月14日", ["王小明"]),  # Taiwan: the reporter, then where from
    ("홍길동 기자 hong@example.co.kr", ["홍길동"]),  # Korean: the word for reporter after the name
    ("रमेश कुमार द्वारा", ["रमेश कुमार"]),  # Hindi: "by" after the name
])
def test_a_chinese_credit_line_gives_its_reporters(line, names):
    assert split_authors(line) == names


def _story(lang: str, headline: str, under_headline: str, paragraphs: list[str]) -> str:
    body = "".join(f"<p>{text}</p>" for text in paragraphs)
    return (f'<html lang="{lang}"><head><meta charset="utf-8"><title>{headline}</title></head><body>'
            f'<nav><a href="/">1</a> <a href="/news">2</a></nav><div class="article"><h1>{headline}</h1>'
            f'{under_headline}{body}</div></body></html>')


def test_a_chinese_credit_line_and_tool_bar_are_the_record_s_facts_not_its_body():
    html = _story("zh-CN", ZH_HEADLINE, '<div class="info">2024年06月20日 10:30 来源：江城日报 记者 王小明</div>'
                  '<div class="tools">字号：大 中 小</div>', [])
    html = html.replace("</h1>", "</h1>").replace("</div></body>", ZH_STORY + "</div></body>")
    article = analyze_page(html, "https://news.jiangcheng-ribao.cn/a1234.html").article
    assert article.authors == ["王小明"]
    assert article.published == "2024-06-20"
    assert article.body.startswith("6月以来") and "来源" not in article.body and "字号" not in article.body


@pytest.mark.parametrize(("lang", "headline", "byline", "dateline", "names"), [
    ("th", "สะพานใหม่ข้ามแม่น้ำเจ้าพระยาเปิดปีหน้า", "โดย สมชาย ใจดี", "14 มีนาคม 2568", ["สมชาย ใจดี"]),
    ("ar", "افتتاح جسر جديد في دبي العام المقبل", "بقلم أحمد علي", "١٤ مارس ٢٠٢٥", ["أحمد علي"]),
    ("ko", "한강 새 다리 내년 개통", "홍길동 기자", "입력 2025.03.14 10:30 수정 2025.03.14 11:00", ["홍길동"]),
])
def test_a_dateline_in_any_script_dates_the_story_and_leaves_its_body(lang, headline, byline, dateline, names):
    paragraphs = {
        "th": ["กรุงเทพมหานครแถลงเมื่อวันศุกร์ว่าสะพานใหม่ที่กำลังก่อสร้างข้ามแม่น้ำเจ้าพระยาจะเปิดใช้งานได้ในฤดูใบไม้ผลิปีหน้า "
               "โดยมีงบประมาณรวมประมาณหนึ่งหมื่นล้านบาท",
               "เจ้าหน้าที่กล่าวว่างานก่อสร้างเร็วกว่ากำหนดสามเดือน เหลือเพียงงานปูผิวถนนและติดตั้งไฟส่องสว่าง "
               "ชาวบ้านในพื้นที่ต่างแสดงความยินดี แต่บางส่วนกังวลเรื่องผลกระทบต่อสิ่งแวดล้อม"],
        "ar": ["أعلنت هيئة الطرق والمواصلات في دبي يوم الجمعة أن الجسر الجديد الذي يجري بناؤه فوق الخور سيفتتح في ربيع "
               "العام المقبل، بتكلفة إجمالية تبلغ نحو ملياري درهم.",
               "وقال مسؤولون إن الأعمال تسير بوتيرة أسرع من المخطط لها بثلاثة أشهر، وإن ما تبقى هو أعمال الرصف والإنارة "
               "فقط، فيما رحب السكان بالمشروع وأبدى آخرون قلقهم من آثاره البيئية."],
        "ko": ["서울시는 14일 한강에 건설 중인 새 다리가 내년 봄 개통될 예정이라고 밝혔다. 총사업비는 약 2천억 원으로, "
               "완공되면 강남과 강북을 잇는 교통 체증이 크게 완화될 것으로 기대된다.",
               "시 관계자에 따르면 공사는 예정보다 3개월 빨리 진행되고 있으며, 남은 작업은 포장과 조명 설치뿐이다. "
               "주민들은 환영의 뜻을 밝혔지만 환경 영향을 우려하는 목소리도 있다."],
    }[lang]
    html = _story(lang, headline, f'<p class="byline">{byline}</p><p class="date">{dateline}</p>', paragraphs)
    article = analyze_page(html, f"https://www.example-{lang}.com/news/bridge").article
    assert article.published == "2025-03-14"
    assert article.authors == names
    assert article.body.startswith(paragraphs[0][:20]) and dateline not in article.body


@pytest.mark.parametrize(("text", "day"), [
    ("14 de março de 2025", "2025-03-14"), ("14 maart 2025", "2025-03-14"), ("14 Maret 2025", "2025-03-14"),
    ("14 października 2025", "2025-10-14"), ("14 Ağustos 2025", "2025-08-14"), ("14. března 2025", "2025-03-14"),
    ("14 मार्च 2025", "2025-03-14"),
])
def test_month_names_of_latin_and_other_scripts(text, day):
    assert date_from_text(text) == day


@pytest.mark.parametrize(("text", "day_first", "day"), [
    ("令和7年3月14日 15時30分 配信", False, "2025-03-14"),  # Japan's era: 2018 + 7
    ("令和元年5月1日", False, "2019-05-01"),  # an era's first year
    ("民國114年3月14日", False, "2025-03-14"),  # Taiwan's Republic: 1911 + 114
    ("114年3月14日 10:30", False, "2025-03-14"),
    ("14/03/2568", True, "2025-03-14"),  # a Thai date in numbers, of the Buddhist era
    ("他活了114年", False, None),  # "he lived 114 years": no day
])
def test_years_counted_from_other_starts(text, day_first, day):
    assert date_from_text(text, day_first) == day


@pytest.mark.parametrize("line", ["令和7年3月14日 15時30分 配信", "民國114年3月14日"])
def test_an_era_dateline_is_not_the_body(line):
    from archiver.extract.boilerplate import is_boilerplate

    assert is_boilerplate(line)
