"""Small page helpers shared by the browser tests."""

import json

PENDING = "[data-testid=pending]"


def pending_text(page) -> str:
    return page.locator(PENDING).inner_text()


def wait_synced(page, timeout_s: float = 20) -> None:
    """Wait until the outbox is empty, no flush is running, and the status line says so."""
    for _ in range(int(timeout_s * 10)):
        if page.evaluate(
            """async () => {
                const app = window.rlsApp;
                const text = document.querySelector('[data-testid=pending]')?.textContent;
                return Boolean(app) && !app.syncing && (await app.store.outboxCount()) === 0
                    && text === 'All changes synced';
            }"""
        ):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"not synced after {timeout_s} s: {page.locator(PENDING).inner_text()!r}")


def idb_dump(page, store: str) -> list:
    """Return every record of ``store`` in the signed-in user's IndexedDB."""
    return page.evaluate(
        """async (store) => {
            const app = window.rlsApp;
            return app.store.all(store);
        }""",
        store,
    )


def item_ids(page) -> list[int]:
    return [
        int(x) for x in page.locator("input[data-item]").evaluate_all("els => els.map(e => e.dataset.item)")
    ]


def today_date(page) -> str:
    """The date the Today screen shows (YYYY-MM-DD)."""
    return page.locator("[data-testid=progress]").get_attribute("data-date")


def post_sync(page, ops: list, since=None) -> dict:
    """POST a raw sync batch from the page (session cookie and CSRF token), as a replaying client would."""
    return page.evaluate(
        """async ([ops, since]) => {
            const csrf = document.cookie.match(/csrftoken=([^;]+)/)[1];
            const headers = {'Content-Type': 'application/json', 'X-CSRFToken': csrf};
            const body = JSON.stringify({ops, since});
            const r = await fetch('/api/v1/sync/', {method: 'POST', headers, body});
            return {status: r.status, body: await r.json()};
        }""",
        [ops, since],
    )


def dumps(value) -> str:
    return json.dumps(value, sort_keys=True)
