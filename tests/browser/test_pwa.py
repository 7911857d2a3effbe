"""The PWA in a real Chromium: install, offline, sync across devices, sign-out, accessibility, push."""

import json
import struct
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.browser.conftest import ROOT, sign_in, wait_for_app
from tests.browser.helpers import idb_dump, item_ids, pending_text, post_sync, today_date, wait_synced

pytestmark = pytest.mark.browser

AXE = ROOT / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
SCREENS = ["today", "careplan", "diary", "progress", "settings"]


def _marks(n: int) -> str:
    return ",".join("?" * n)


def checkoffs(app_server, items, date) -> list[tuple]:
    """Return (item, done, seq) of the server's check-offs of ``items`` on ``date``."""
    return app_server.query(
        "SELECT item_id, done, seq FROM checklists_checkoff"
        f" WHERE date = ? AND item_id IN ({_marks(len(items))}) ORDER BY item_id",
        (date, *items),
    )


def test_service_worker_installs_and_controls_the_page(new_context):
    page = new_context().new_page()
    sign_in(page)
    worker = page.evaluate(
        """async () => {
            const registration = await navigator.serviceWorker.ready;
            return {script: navigator.serviceWorker.controller.scriptURL, scope: registration.scope,
                    caches: await caches.keys(), user: document.body.dataset.userKey,
                    version: document.body.dataset.version};
        }"""
    )
    assert worker["script"].endswith("/serviceworker.js")
    assert worker["scope"].endswith("/") and worker["scope"].count("/") == 3
    # Cache names carry the app version, and the personal shell cache carries the user's key.
    assert f"rls-static-{worker['version']}" in worker["caches"]
    assert f"rls-shell-{worker['version']}-{worker['user']}" in worker["caches"]
    assert page.evaluate("navigator.storage.persisted()") in (True, False)  # asked; the browser decides


def _png_size(body: bytes) -> tuple[int, int]:
    assert body[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", body[16:24])


def test_manifest_is_valid_and_complete(new_context):
    page = new_context().new_page()
    sign_in(page)
    href = page.locator("link[rel=manifest]").get_attribute("href")
    response = page.request.get(href)
    assert response.ok and "json" in response.headers["content-type"]
    manifest = response.json()
    for field in [
        "name",
        "short_name",
        "description",
        "start_url",
        "scope",
        "theme_color",
        "background_color",
    ]:
        assert manifest[field], field
    assert manifest["display"] == "standalone"
    assert manifest["scope"] == "/" and manifest["start_url"].startswith("/")
    sizes: dict[str, set[str]] = {}
    for icon in manifest["icons"]:
        body = page.request.get(icon["src"]).body()
        width, height = _png_size(body)
        assert f"{width}x{height}" == icon["sizes"]
        sizes.setdefault(icon.get("purpose", "any"), set()).add(icon["sizes"])
    assert {"192x192", "512x512"} <= sizes["any"]
    assert "512x512" in sizes["maskable"]
    assert {s["url"] for s in manifest["shortcuts"]} == {"/#today", "/#careplan"}


def test_offline_story_every_change_reaches_the_server_once(new_context, app_server):
    context = new_context()
    page = context.new_page()
    sign_in(page)
    wait_synced(page)
    date = today_date(page)
    first, second = item_ids(page)[:2]
    before = checkoffs(app_server, [first, second], date)

    app_server.stop()  # the network is gone
    page.locator(f"input[data-item='{first}']").check()
    page.locator(f"input[data-item='{second}']").check()
    page.goto("/#diary")
    # The diary's night (the evening before, from midnight to 04:00), not necessarily Today's date.
    night = page.locator("[data-testid=diary-night]").get_attribute("data-date")
    page.get_by_label("How bad are the symptoms").fill("7")
    page.get_by_label("When did the symptoms start?").fill("21:30")
    page.get_by_label("My arms were involved too").check()
    page.get_by_label("Note (optional)").fill("Long drive today")
    page.get_by_role("button", name="Save diary").click()
    page.wait_for_function(
        "document.querySelector('[data-testid=pending]')?.textContent.startsWith('3 changes')"
    )
    ops = [row["op"] for row in idb_dump(page, "outbox")]
    assert [op["kind"] for op in ops] == ["checkoff", "checkoff", "diary"]

    # Reload and reopen while offline: the service worker serves the shell, IndexedDB the data.
    page.reload()
    wait_for_app(page)
    page.goto("/#today")
    assert page.locator(f"input[data-item='{first}']").is_checked()
    assert page.locator(f"input[data-item='{second}']").is_checked()
    page.wait_for_function(
        "document.querySelector('[data-testid=pending]')?.textContent.startsWith('3 changes')"
    )
    assert pending_text(page) == "3 changes waiting to sync"
    page.close()
    page = context.new_page()
    page.goto("/#diary")
    wait_for_app(page)
    assert page.get_by_label("How bad are the symptoms").input_value() == "7"
    assert page.get_by_label("Note (optional)").input_value() == "Long drive today"
    assert checkoffs(app_server, [first, second], date) == before  # nothing reached the server yet

    app_server.start()  # the network is back
    page.reload()
    wait_for_app(page)
    wait_synced(page)
    rows = checkoffs(app_server, [first, second], date)
    assert [(item, done) for item, done, _ in rows] == [(first, 1), (second, 1)]
    diary = app_server.query(
        "SELECT severity, onset_time, arms_involved, note FROM checklists_diaryentry d "
        "JOIN checklists_patient p ON p.id = d.patient_id JOIN auth_user u ON u.id = p.user_id "
        "WHERE u.email = ? AND d.date = ?",
        ("patient@example.com", night),
    )
    assert diary == [(7, "21:30:00", 1, "Long drive today")]
    received = app_server.query(
        f"SELECT COUNT(*) FROM checklists_syncop WHERE op_id IN ({_marks(len(ops))})",
        tuple(op["op_id"].replace("-", "") for op in ops),
    )
    assert received == [(3,)]

    # Replaying the same outbox changes nothing: every op is a duplicate, the rows are as they were.
    replay = post_sync(page, ops)
    assert replay["status"] == 200
    assert sorted(replay["body"]["duplicates"]) == sorted(op["op_id"] for op in ops)
    assert replay["body"]["applied"] == []
    assert checkoffs(app_server, [first, second], date) == rows


def test_today_is_the_patients_date_even_on_a_phone_set_to_another_zone(new_context):
    # patient2 lives in America/New_York. Of these two zones (26 hours apart, so never on the same
    # date) take one whose date differs from New York's right now.
    now = datetime.now(UTC)
    patient_day = now.astimezone(ZoneInfo("America/New_York")).date()
    zone = next(
        z for z in ("Pacific/Kiritimati", "Etc/GMT+12") if now.astimezone(ZoneInfo(z)).date() != patient_day
    )
    page = new_context(timezone_id=zone).new_page()
    sign_in(page, "patient2@example.com")
    wait_synced(page)
    assert today_date(page) == patient_day.isoformat()


def test_two_devices_converge_and_the_latest_change_wins(new_context, app_server):
    phone, tablet = new_context().new_page(), new_context().new_page()
    for device in (phone, tablet):
        sign_in(device, "patient2@example.com")
        wait_synced(device)
    date = today_date(phone)
    item = item_ids(phone)[3]
    box = f"input[data-item='{item}']"

    phone.locator(box).check()
    wait_synced(phone)
    tablet.reload()
    wait_for_app(tablet)
    tablet.wait_for_function(f'document.querySelector("{box}")?.checked === true')

    # Both offline: the phone unchecks, then (later) the tablet checks the same item.
    app_server.stop()
    phone.locator(box).uncheck()
    phone.wait_for_timeout(50)
    tablet.locator(box).uncheck()
    tablet.locator(box).check()
    app_server.start()
    # The later change arrives first, the earlier one second: the later one still wins.
    tablet.reload()
    wait_for_app(tablet)
    wait_synced(tablet)
    phone.reload()
    wait_for_app(phone)
    wait_synced(phone)
    assert app_server.query(
        "SELECT done FROM checklists_checkoff WHERE item_id = ? AND date = ?", (item, date)
    ) == [(1,)]
    phone.reload()
    wait_for_app(phone)
    wait_synced(phone)
    for device in (phone, tablet):
        device.wait_for_function(f'document.querySelector("{box}")?.checked === true')


def test_sign_out_wipes_local_data(new_context):
    context = new_context()
    page = context.new_page()
    sign_in(page)
    wait_synced(page)
    first_key = page.evaluate("document.body.dataset.userKey")
    page.goto("/#settings")
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.wait_for_url("**/accounts/login/**")
    left = page.evaluate(
        "async () => ({dbs: (await indexedDB.databases()).map(d => d.name), caches: await caches.keys()})"
    )
    assert f"rls-{first_key}" not in left["dbs"]
    assert not [name for name in left["caches"] if first_key in name]

    sign_in(page, "patient2@example.com")
    second_key = page.evaluate("document.body.dataset.userKey")
    assert second_key != first_key
    names = page.evaluate("async () => (await indexedDB.databases()).map(d => d.name)")
    assert names == [f"rls-{second_key}"]
    assert not [name for name in page.evaluate("caches.keys()") if first_key in name]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_screen_has_no_axe_violations(new_context, scheme):
    assert AXE.exists(), "axe-core is missing: run `make setup` (npm ci in frontend/)"
    context = new_context(color_scheme=scheme, reduced_motion="reduce")
    page = context.new_page()
    page.goto("/accounts/login/")
    results = {"login": _axe(page)}
    sign_in(page)
    for screen in SCREENS:
        page.goto(f"/#{screen}")
        page.wait_for_function(
            f"document.querySelector('nav a[href=\"#{screen}\"]').getAttribute('aria-current')"
        )
        page.wait_for_load_state("networkidle")
        results[screen] = _axe(page)
    problems = {
        name: [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in violations]
        for name, violations in results.items()
        if violations
    }
    assert problems == {}, json.dumps(problems, indent=1)


def _axe(page) -> list:
    page.add_script_tag(path=str(AXE))
    return page.evaluate("async () => (await axe.run(document)).violations")


def test_push_reminder_shows_and_done_checks_the_items(new_context, app_server):
    context = new_context()
    context.grant_permissions(["notifications"])
    page = context.new_page()
    sign_in(page)
    wait_synced(page)
    date = today_date(page)
    items = item_ids(page)[-2:]
    reminder_id = page.evaluate("async () => (await (await fetch('/api/v1/reminders/')).json())[0].id")
    payload: dict[str, Any] = {
        "title": "Care reminder",
        "body": "You have 2 care tasks due",
        "tag": "rls-2026-01-01T13:00:00Z",
        "url": "/#today",
        "date": date,
        "items": items,
        "reminder_ids": [reminder_id],
    }
    cdp = context.new_cdp_session(page)
    registration_id = _registration_controlling(page, cdp)
    _deliver_push(cdp, app_server, registration_id, payload)
    _wait_for_notification(page, payload["tag"])
    shown = page.evaluate(
        """async (tag) => {
            const [n] = await (await navigator.serviceWorker.ready).getNotifications({tag});
            return {title: n.title, body: n.body, actions: n.actions.map(a => a.title)};
        }""",
        payload["tag"],
    )
    assert shown == {
        "title": "Care reminder",
        "body": "You have 2 care tasks due",
        "actions": ["Done", "Snooze 30 min"],
    }

    # "Done", through the worker's notification listener: the same outbox as a tap in the app.
    assert _notification_action(context, payload["tag"], "done")["found"]
    assert [(item, done) for item, done, _ in checkoffs(app_server, items, date)] == [
        (items[0], 1),
        (items[1], 1),
    ]
    for item in items:
        page.wait_for_function(f"document.querySelector(\"input[data-item='{item}']\")?.checked === true")
    wait_synced(page)

    # "Snooze 30 min" on the next reminder snoozes the reminder on the server.
    payload = {**payload, "tag": "rls-2026-01-01T14:00:00Z"}
    _deliver_push(cdp, app_server, registration_id, payload)
    _wait_for_notification(page, payload["tag"])
    assert _notification_action(context, payload["tag"], "snooze")["found"]
    snoozed = app_server.query("SELECT snoozed_until FROM checklists_reminder WHERE id = ?", (reminder_id,))
    assert snoozed[0][0] is not None


def _registration_controlling(page, cdp) -> str:
    """The id of the service-worker registration whose activated version controls ``page``.

    CDP reports a registration as soon as it exists, while its worker may still be installing (the
    precache): a push delivered then need not reach a worker that shows it. The test used to go on
    at that point and failed once in a fresh-clone CI run, with no notification shown."""
    page_target = cdp.send("Target.getTargetInfo")["targetInfo"]["targetId"]
    versions = []
    cdp.on("ServiceWorker.workerVersionUpdated", lambda e: versions.extend(e["versions"]))
    cdp.send("ServiceWorker.enable")
    for _ in range(100):
        for version in versions:
            if version["status"] == "activated" and page_target in version.get("controlledClients", []):
                return version["registrationId"]
        page.wait_for_timeout(100)
    raise AssertionError(f"no activated service worker controls the page; CDP reported {versions}")


def _deliver_push(cdp, app_server, registration_id: str, payload) -> None:
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": app_server.url, "registrationId": registration_id, "data": json.dumps(payload)},
    )


# Run in the activated worker: a "notificationclick" event for the shown notification, dispatched to the
# worker's own listener. A script-made event may not call waitUntil, so this one's waitUntil collects
# the listener's work, and the call returns once that work is done.
TAP_NOTIFICATION = """async ([tag, action]) => {
    if (self.serviceWorker.state !== 'activated') return null;
    const [notification] = await self.registration.getNotifications({tag});
    if (!notification) return {found: false};
    const event = new NotificationEvent('notificationclick', {notification, action});
    const work = [];
    Object.defineProperty(event, 'waitUntil', {value: (promise) => work.push(promise)});
    self.dispatchEvent(event);
    await Promise.all(work);
    return {found: true};
}"""


def _notification_action(context, tag: str, action: str) -> dict:
    """Tap ``action`` on the shown notification ``tag``: what the worker does when the button is pressed.

    No browser lets automation press a system notification's button, and the shipped worker has no
    test-only entry point, so the test reaches the worker through Playwright instead."""
    for worker in context.service_workers:
        result = worker.evaluate(TAP_NOTIFICATION, [tag, action])
        if result is not None:
            return result
    raise AssertionError(f"no activated service worker among {[w.url for w in context.service_workers]}")


def _wait_for_notification(page, tag: str) -> None:
    """Wait (up to 10 s) until the worker shows a notification with ``tag``."""
    for _ in range(100):
        if page.evaluate(
            "async (tag) => (await (await navigator.serviceWorker.ready).getNotifications({tag})).length", tag
        ):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"no notification with tag {tag} was shown")


STRICT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "manifest-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def test_every_screen_runs_under_a_strict_content_security_policy(new_context):
    # Routing needs the requests on the page's side, so this context runs without the service worker.
    context = new_context(service_workers="block", bypass_csp=False)

    def add_csp(route):
        try:
            response = route.fetch()
            route.fulfill(
                response=response, headers={**response.headers, "content-security-policy": STRICT_CSP}
            )
        except PlaywrightError:
            pass  # a request still in flight when the test ends and the context closes

    context.route("**/*", add_csp)
    page = context.new_page()
    messages = []
    page.on("console", lambda m: messages.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto("/accounts/login/?next=/")
    page.get_by_label("Email").fill("patient@example.com")
    page.get_by_label("Password").fill("rls-demo-2026")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
    # Locator waits only: wait_for_function would evaluate a string, which this very policy forbids.
    page.locator("[data-testid=progress]").wait_for()  # the module script ran and drew Today
    for screen in SCREENS:
        page.goto(f"/#{screen}")
        page.locator(f"nav a[href='#{screen}'][aria-current=page]").wait_for()
        page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=pending]").is_visible()
    context.unroute_all(behavior="ignoreErrors")
    assert messages == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_care_plan_shows_the_three_tracks_ferritin_chart_and_flags(new_context, scheme):
    context = new_context(color_scheme=scheme)
    page = context.new_page()
    sign_in(page)
    plan = page.request.get("/api/v1/careplan/").json()
    page.goto("/#careplan")
    page.wait_for_selector("#track-iron")
    tracks = page.locator("section h3[id^=track-]").all()
    assert [h.inner_text() for h in tracks] == ["Iron", "Vascular", "Medication"]
    assert page.locator("h2").inner_text() == plan["heading"]
    assert page.locator(".disclaimer").inner_text() == plan["disclaimer"]
    assert page.locator("svg.chart.values circle").count() >= 1
    assert "ferritin" in page.locator("svg.chart.values").get_attribute("aria-label").lower()
    assert page.locator(".followup.overdue").count() >= 1
    flagged = page.locator(".med", has=page.locator(".flag"))
    assert flagged.count() >= 1 and "Review with your clinician" in flagged.first.inner_text()
    assert _axe(page) == []


def test_care_plan_shows_the_apis_disclaimer_before_the_plan_has_ever_loaded(new_context):
    context = new_context()
    page = context.new_page()
    # Never loaded: Today fetches the plan too (for the medicines' doses), so it fails from the start.
    context.route("**/api/v1/careplan/", lambda route: route.abort())
    sign_in(page)
    plan = page.request.get("/api/v1/careplan/").json()
    page.goto("/#careplan")
    page.get_by_text("The care plan is not on this phone yet").wait_for()
    assert page.locator("h2").inner_text() == plan["heading"]
    assert page.locator(".disclaimer").inner_text() == plan["disclaimer"]
    context.unroute_all(behavior="ignoreErrors")


def test_an_app_update_keeps_the_outbox_and_tells_the_user(new_context, app_server):
    context = new_context()
    page = context.new_page()
    sign_in(page)
    wait_synced(page)
    date = today_date(page)
    item = item_ids(page)[5]
    context.route("**/api/v1/sync/", lambda route: route.abort())  # the change has to wait
    page.locator(f"input[data-item='{item}']").check()
    page.wait_for_function(
        "document.querySelector('[data-testid=pending]').textContent.startsWith('1 change')"
    )

    # A new version of the app is deployed: the build the (DEBUG) server reads gets a new version hash.
    manifest_path = ROOT / "frontend" / "build" / "assets.json"
    original = manifest_path.read_text()
    try:
        manifest_path.write_text(json.dumps({**json.loads(original), "hash": "next-version"}))
        page.evaluate("async () => (await navigator.serviceWorker.getRegistration()).update()")
        banner = page.locator("#banner")
        banner.wait_for(state="visible")
    finally:
        manifest_path.write_text(original)
    assert "RLS Care has been updated" in banner.inner_text()
    assert "Your unsynced changes are kept" in banner.inner_text()
    assert pending_text(page) == "1 change waiting to sync"

    context.unroute("**/api/v1/sync/")
    banner.get_by_role("button", name="Reload").click()
    wait_for_app(page)
    wait_synced(page)
    assert [(i, done) for i, done, _ in checkoffs(app_server, [item], date)] == [(item, 1)]
    context.unroute_all(behavior="ignoreErrors")


def test_a_refused_change_is_shown_not_dropped(new_context):
    page = new_context().new_page()
    sign_in(page, "patient2@example.com")
    wait_synced(page)
    date = today_date(page)
    # A change the server must refuse (an item that is not this patient's), queued like a tap.
    page.evaluate(
        "([date]) => window.rlsApp.store.setCheck({item: 2147483000, date, done: true})"
        ".then(() => window.rlsApp.sync())",
        [date],
    )
    wait_synced(page)
    page.locator("[data-testid=rejected]").wait_for()
    assert page.locator("[data-testid=rejected]").inner_text() == "1 change was not accepted"
    page.locator("[data-testid=rejected]").click()
    refused = page.locator(".rejected li")
    refused.first.wait_for()
    assert refused.count() == 1 and date in refused.inner_text()
    page.get_by_role("button", name="Dismiss").click()
    page.locator("[data-testid=rejected]").wait_for(state="detached")
