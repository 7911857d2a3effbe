"""Lighthouse (npm lighthouse@12.2.3, mobile defaults) on the PWA's Today, Care plan, Diary and Progress
screens.

Starts gunicorn with production settings (DEBUG=0, collected and compressed static files) on a fresh
SQLite database with the demo data, signs in as patient@example.com, and runs Lighthouse twice per screen
in one Chromium profile: a first load (storage reset, no service worker) and a repeat load with the
service worker warm. Prints the performance, accessibility and best-practices scores, LCP, and the
compressed bytes that came over the network (all, and the app shell alone: document, scripts, styles,
images, manifest; API calls excluded). Targets: performance >= 95, accessibility and best practices 100,
shell <= 60 KB on first load, 0 bytes on repeat. Not part of the test suite.

Usage: .venv/bin/python bench/lighthouse.py   (CHROME_PATH defaults to /usr/bin/chromium)
"""

import http.cookiejar
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIGHTHOUSE = "lighthouse@12.2.3"
SHELL_TYPES = {"Document", "Script", "Stylesheet", "Image", "Manifest", "Font", "Other"}
TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 100}
SHELL_BUDGET = 60 * 1024
PHONE_ZONE = "Europe/London"  # the demo patient's profile zone
SCREENS = {"Today": "/#today", "Care plan": "/#careplan", "Diary": "/#diary", "Progress": "/#progress"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sign_in(base: str) -> dict[str, str | None]:
    """Sign in through the login form; return the cookies (sessionid, csrftoken)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{base}/accounts/login/").read()
    csrf = next(c.value for c in jar if c.name == "csrftoken")
    data = urllib.parse.urlencode(
        {
            "username": "patient@example.com",
            "password": "rls-demo-2026",
            "csrfmiddlewaretoken": csrf,
            "next": "/",
        }
    ).encode()
    request = urllib.request.Request(f"{base}/accounts/login/", data=data, headers={"Referer": f"{base}/"})
    opener.open(request).read()
    cookies = {c.name: c.value for c in jar}
    assert "sessionid" in cookies, "sign-in failed"
    return cookies


CHROME_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
    "--password-store=basic",
]


def sign_in_profile(base: str, profile: Path) -> None:
    """Sign in once in the Chromium profile Lighthouse will use.

    The session cookie also goes in Lighthouse's extra headers, but Chromium applies those to
    navigations, not to the page's own fetch() calls, so the API needs the cookie in the profile's jar
    (Lighthouse's storage reset leaves cookies alone).
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=os.environ.get("CHROME_PATH", "/usr/bin/chromium"),
            args=[flag for flag in CHROME_FLAGS if flag != "--headless=new"],
            headless=True,
        )
        page = context.new_page()
        page.goto(f"{base}/accounts/login/?next=/")
        page.fill("#id_username", "patient@example.com")
        page.fill("#id_password", "rls-demo-2026")
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        context.close()


def lighthouse(url: str, cookies: dict, profile: Path, out: Path, *, warm: bool) -> dict:
    chrome_flags = " ".join([*CHROME_FLAGS, f"--user-data-dir={profile}"])
    cookie_header = "; ".join(f"{k}={v}" for k, v in cookies.items())
    command = [
        "npx",
        "--yes",
        LIGHTHOUSE,
        url,
        "--quiet",
        "--output=json",
        f"--output-path={out}",
        "--only-categories=performance,accessibility,best-practices",
        f"--chrome-flags={chrome_flags}",
        f"--extra-headers={json.dumps({'Cookie': cookie_header})}",
    ]
    if warm:
        command.append("--disable-storage-reset")
    # The phone is where the demo patient lives (Europe/London), as for a patient at home: a phone in
    # another zone gets the one-time trip question, which is not what a daily opening looks like.
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium"), "TZ": PHONE_ZONE}
    subprocess.run(command, check=True, env=env, cwd=ROOT / "frontend")
    return json.loads(out.read_text())


def summarise(report: dict) -> dict:
    requests = report["audits"]["network-requests"]["details"]["items"]
    total = sum(r.get("transferSize", 0) or 0 for r in requests)
    shell = sum(
        r.get("transferSize", 0) or 0
        for r in requests
        if r.get("resourceType") in SHELL_TYPES and "/api/" not in r["url"]
    )
    return {
        "performance": round(report["categories"]["performance"]["score"] * 100),
        "accessibility": round(report["categories"]["accessibility"]["score"] * 100),
        "best-practices": round(report["categories"]["best-practices"]["score"] * 100),
        "lcp_ms": round(report["audits"]["largest-contentful-paint"]["numericValue"]),
        "bytes_total": total,
        "bytes_shell": shell,
        "requests": len(requests),
    }


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="rls-lighthouse-"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}},
        "DEBUG": "0",
        "SECRET_KEY": "lighthouse-benchmark-only-" + "x" * 40,
        "ALLOWED_HOSTS": "127.0.0.1",
        "RLS_VAR_DIR": str(work),
        "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
        "CELERY_BROKER_URL": "memory://",
        "STATIC_ROOT": str(work / "static"),
        # Plain HTTP on 127.0.0.1: no TLS redirect, no Secure-only cookies, no HSTS.
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
    }
    python = sys.executable
    manage = [python, "manage.py"]
    for args in (["migrate", "--noinput"], ["seed_demo", "--force"], ["collectstatic", "--noinput"]):
        subprocess.run(manage + args, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    server = subprocess.Popen(
        [
            str(Path(python).parent / "gunicorn"),
            "rlsapp.wsgi",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/manifest.json", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        cookies = sign_in(base)
        results = {}
        for name, path in SCREENS.items():
            profile = work / f"profile-{name.replace(' ', '')}"
            slug = name.replace(" ", "").lower()
            sign_in_profile(base, profile)
            first = summarise(
                lighthouse(base + path, cookies, profile, work / f"{slug}-first.json", warm=False)
            )
            repeat = summarise(
                lighthouse(base + path, cookies, profile, work / f"{slug}-repeat.json", warm=True)
            )
            results[name] = (first, repeat)
    finally:
        server.terminate()
        server.wait(timeout=10)

    print(f"\nLighthouse {LIGHTHOUSE}, mobile defaults (simulated throttling), gunicorn DEBUG=0")
    print(
        f"{'screen':<10} {'load':<7} {'perf':>4} {'a11y':>4} {'b-p':>4} {'LCP ms':>7} "
        f"{'bytes':>8} {'shell':>8} {'reqs':>4}"
    )
    failed = []
    for name, runs in results.items():
        for label, r in zip(("first", "repeat"), runs, strict=True):
            print(
                f"{name:<10} {label:<7} {r['performance']:>4} {r['accessibility']:>4} "
                f"{r['best-practices']:>4} {r['lcp_ms']:>7} {r['bytes_total']:>8} "
                f"{r['bytes_shell']:>8} {r['requests']:>4}"
            )
            for key, target in TARGETS.items():
                if r[key] < target:
                    failed.append(f"{name} {label}: {key} {r[key]} < {target}")
        if runs[0]["bytes_shell"] > SHELL_BUDGET:
            failed.append(f"{name}: shell {runs[0]['bytes_shell']} B > {SHELL_BUDGET} B on first load")
        if runs[1]["bytes_shell"] != 0:
            failed.append(f"{name}: shell {runs[1]['bytes_shell']} B over the network on repeat load")
    print(f"shell budget: {SHELL_BUDGET} B first load, 0 B repeat; reports in {work}")
    print("targets met" if not failed else "targets missed:\n  " + "\n  ".join(failed))
    shutil.rmtree(work / "static", ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
