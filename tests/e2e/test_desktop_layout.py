"""At 1280 px: no board control is narrower than its label (the move menu and the note field
on every card), and the staff navbar's unread count stays on one line with its bell."""

import pytest
from playwright.sync_api import expect

from accounts.models import Notification
from integrations.models import PIPELINE
from tests.factories import IntegrationFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

# The room a control's text has and the text's width, in the control's own font: a select's
# every option (the chosen one is shown in the box) and a field's placeholder or value.
TEXTS = """(element) => {
  const style = getComputedStyle(element);
  const context = document.createElement("canvas").getContext("2d");
  context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const texts = element.tagName === "SELECT"
    ? [...element.options].map((option) => option.text)
    : [element.value || element.placeholder];
  const room = element.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return {
    room,
    scroll: element.scrollWidth,
    client: element.clientWidth,
    texts: texts.map((text) => [text, context.measureText(text).width]),
  };
}"""


def test_board_controls_are_as_wide_as_their_labels(browse, partner, reviewer, shoot):
    for stage in PIPELINE:
        IntegrationFactory(partner=partner, stage=stage, name=f"Acme {stage.label}")
    page = browse(reviewer)  # 1280 x 800
    page.goto("/review/board/")
    controls = page.locator(".board-card select, .board-card input:not([type=hidden])")
    assert controls.count() == 2 * len(PIPELINE)
    cut = []
    for index in range(controls.count()):
        found = controls.nth(index).evaluate(TEXTS)
        if found["scroll"] > found["client"]:
            cut.append(f"{found['texts']}: scrolls")
        for text, width in found["texts"]:
            if width > found["room"]:
                cut.append(f"“{text}” needs {width:.0f} px, has {found['room']:.0f}")
    assert not cut, cut
    # All six columns in the window: no control hidden past the board's right edge.
    for index in range(controls.count()):
        box = controls.nth(index).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1280, box
    assert page.evaluate("(b => b.scrollWidth <= b.clientWidth)(document.querySelector('.board'))")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shoot(page, "board-1280")


def test_the_unread_count_stays_beside_the_bell(browse, reviewer):
    for number in range(12):
        Notification.objects.create(
            user=reviewer,
            email=reviewer.email,
            event="stage_changed",
            key=f"layout:{number}",
            subject="Moved",
            text="Moved.",
            html="<p>Moved.</p>",
        )
    page = browse(reviewer)
    page.goto("/review/board/")
    bell = page.locator("#notification-bell")
    icon, count = bell.locator("i.bi"), bell.locator(".badge")
    expect(count).to_have_text("12")
    icon_box, count_box = icon.bounding_box(), count.bounding_box()
    icon_middle = icon_box["y"] + icon_box["height"] / 2
    count_middle = count_box["y"] + count_box["height"] / 2
    assert abs(icon_middle - count_middle) < icon_box["height"] / 2, (icon_box, count_box)
    assert count_box["x"] >= icon_box["x"] + icon_box["width"] - 1
