"""Consent walls: the banners of common consent frameworks dismissed before a page is snapshotted.

A cookie banner over the article spoils the screenshot and, in a rendered DOM, adds its
text to the page. Before the DOM and the screenshot are taken (and before a replay is
compared with them, ``archiver.qa``), each frame of the page is asked, in one script,
whether a known framework's banner is showing; if so its *reject* button is clicked where
it offers one, else the button that closes it (accepting). Frameworks that load their
banner late are waited for, briefly, only when their script is on the page.

Turned off with ``BROWSER_CONSENT_DISMISS = False`` (``archiver crawl --keep-consent-banners``).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

logger = logging.getLogger(__name__)

# Seconds to wait at most for a framework whose script is on the page to show its banner.
LATE_BANNER_WAIT = 2.0
POLL = 0.15
SETTLE = 0.3  # seconds for a dismissed banner's closing animation

# One script per frame: {framework, action} of the banner it dismissed, "pending" when a framework's
# script is there but no banner yet, or null. Selectors: each framework's documented button ids/classes,
# reject first. Sourcepoint draws its banner in an iframe of its own: that frame's run finds its buttons.
DISMISS_SCRIPT = """() => {
  const visible = (el) => !!el && el.isConnected && (el.offsetWidth > 0 || el.offsetHeight > 0 ||
                                                     el.getClientRects().length > 0);
  const roots = [document];
  const uc = document.querySelector('#usercentrics-root, #usercentrics-cmp-ui');
  if (uc && uc.shadowRoot) roots.push(uc.shadowRoot);
  const find = (selector) => {
    for (const root of roots) {
      for (const el of root.querySelectorAll(selector)) { if (visible(el)) return el; }
    }
    return null;
  };
  const FRAMEWORKS = [
    ['onetrust', '#onetrust-banner-sdk, #onetrust-consent-sdk',
     [['reject', '#onetrust-reject-all-handler, .ot-pc-refuse-all-handler'],
      ['close', '.onetrust-close-btn-handler, #onetrust-close-btn-container button'],
      ['accept', '#onetrust-accept-btn-handler']]],
    ['didomi', '#didomi-host, #didomi-notice',
     [['reject', '#didomi-notice-disagree-button, .didomi-continue-without-agreeing'],
      ['accept', '#didomi-notice-agree-button']]],
    ['quantcast', '#qc-cmp2-container, .qc-cmp2-container, #qc-cmp2-ui',
     [['reject', '.qc-cmp2-summary-buttons button[mode="secondary"], button.qc-cmp2-reject-all'],
      ['accept', '.qc-cmp2-summary-buttons button[mode="primary"]']]],
    ['cookiebot', '#CybotCookiebotDialog',
     [['reject', '#CybotCookiebotDialogBodyButtonDecline, #CybotCookiebotDialogBodyLevelButtonLevelOptinDeclineAll'],
      ['accept', '#CybotCookiebotDialogBodyLevelButtonLevelOptinAllowAll, #CybotCookiebotDialogBodyButtonAccept']]],
    ['sourcepoint', '.message-container, .sp_message_container, #sp_message_container',
     [['reject', 'button.sp_choice_type_13, button[title="Reject" i], button[aria-label="Reject all" i]'],
      ['accept', 'button.sp_choice_type_11']]],
    ['trustarc', '#truste-consent-track, #truste-consent-content',
     [['reject', '#truste-consent-required'], ['accept', '#truste-consent-button']]],
    ['usercentrics', '#usercentrics-root, #usercentrics-cmp-ui',
     [['reject', 'button[data-testid="uc-deny-all-button"], #deny'],
      ['accept', 'button[data-testid="uc-accept-all-button"], #accept']]],
    ['cookieyes', '.cky-consent-container',
     [['reject', '.cky-btn-reject'], ['accept', '.cky-btn-accept']]],
    ['complianz', '#cmplz-cookiebanner-container, .cmplz-cookiebanner',
     [['reject', '.cmplz-btn.cmplz-deny'], ['accept', '.cmplz-btn.cmplz-accept']]],
    ['iubenda', '#iubenda-cs-banner',
     [['reject', '.iubenda-cs-reject-btn'], ['close', '.iubenda-cs-close-btn'], ['accept', '.iubenda-cs-accept-btn']]],
    ['osano', '.osano-cm-dialog',
     [['reject', '.osano-cm-denyAll, .osano-cm-deny'], ['accept', '.osano-cm-accept-all, .osano-cm-accept']]],
  ];
  for (const [name, container, buttons] of FRAMEWORKS) {
    if (!roots.some(root => root.querySelector(container))) continue;
    for (const [action, selector] of buttons) {
      const button = find(selector);
      if (button) { button.click(); return {framework: name, action}; }
    }
  }
  const late = window.OneTrust || window.Didomi || window.__tcfapi || window.Cookiebot || window._sp_ ||
               window.truste || window.UC_UI || window.__cmp;
  return late ? 'pending' : null;
}"""


async def dismiss_consent(page: Any, deadline: float, wait: float = LATE_BANNER_WAIT) -> dict[str, str] | None:
    """Dismiss a consent banner on ``page`` (any of its frames); what was clicked, or None.

    Never raises: a frame that goes away or a script error just means no banner was dismissed.
    """
    give_up = min(deadline, time.monotonic() + wait)
    while True:
        pending = False
        for frame in list(page.frames):
            try:
                found = await asyncio.wait_for(frame.evaluate(DISMISS_SCRIPT), timeout=max(give_up - time.monotonic(),
                                                                                          0.5))
            except Exception as error:  # noqa: BLE001 - a detached or busy frame has no banner to click
                logger.debug("Consent check failed in %s: %s", getattr(frame, "url", "?"), error)
                continue
            if isinstance(found, dict):
                await asyncio.sleep(SETTLE)
                return {"framework": str(found.get("framework")), "action": str(found.get("action"))}
            pending = pending or found == "pending"
        if not pending or time.monotonic() >= give_up:
            return None
        await asyncio.sleep(POLL)
