"""Replay QA's measures on made-up inputs: screenshots that differ by a known share, texts, missing requests."""

from __future__ import annotations

import io

import pytest

from archiver.qa.compare import judge, requisites_similarity, text_similarity, visible_words, visual_similarity


def png(width: int, height: int, boxes: list[tuple[int, int, int, int, str]] = ()) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), "#f4efe6")
    draw = ImageDraw.Draw(image)
    for box in boxes:
        draw.rectangle(box[:4], fill=box[4])
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_the_same_screenshot_is_fully_similar_and_noise_is_forgiven():
    page = png(1280, 1600, [(100, 100, 700, 400, "#1d3557")])
    noisy = png(1280, 1600, [(100, 100, 700, 400, "#1e3658")])  # a level or two off: JPEG, anti-aliasing
    assert visual_similarity(page, page) == 1.0 and visual_similarity(page, noisy) == 1.0


def test_a_changed_area_counts_by_its_share_of_the_page():
    page = png(1280, 1600)
    quarter = png(1280, 1600, [(0, 0, 1279, 399, "#000000")])  # the top quarter
    assert visual_similarity(page, quarter) == pytest.approx(0.75, abs=0.01)


def test_height_the_replay_lacks_counts_as_changed():
    assert visual_similarity(png(1280, 1600), png(1280, 800)) == pytest.approx(0.5, abs=0.01)


def test_text_similarity_is_the_share_of_captured_words_the_replay_shows():
    captured = visible_words(b"<html><body><script>var hidden = 1</script><p>" + b"harbour wall " * 20
                             + b"</p></body></html>")
    assert "hidden" not in captured and captured["harbour"] == 20
    assert text_similarity(captured, visible_words("<p>" + "harbour wall " * 10 + "</p>")) == 0.5
    assert text_similarity(visible_words(b"<p>too few words</p>"), visible_words(b"")) is None


@pytest.mark.parametrize("missing, expected", [
    ([], 1.0),
    ([{"type": "stylesheet"}], 0.5),
    ([{"type": "font"}], 0.85),
    ([{"type": "image", "area": 1}], 0.99),  # a tracking pixel
    ([{"type": "image", "area": 96 * 96}] * 4, 0.96),  # avatars
    ([{"type": "image", "area": 1280 * 600}], 0.7),  # a lead photo
    ([{"type": "image"}] * 20, 0.5),  # images cost at most half the score
])
def test_missing_requests_cost_by_what_they_do_to_a_page(missing, expected):
    assert requisites_similarity(missing) == pytest.approx(expected)


def test_a_verdict_says_why_in_words():
    verdict = judge(0.8, 0.95, [{"type": "font", "url": "https://fonts.example/a.woff2"}], min_score=0.9)
    assert not verdict.ok and verdict.score == pytest.approx(0.85 * 0.8 * 0.95, abs=1e-4)
    assert verdict.reasons == ["missing from the archive: 1 font", "20% of the page looks different from the capture",
                               "5% of the captured text is not shown"]
