"""CalDAV on the app's own port, as a phone meets it: discovery through /.well-known, a task
written by a CalDAV client appears on the open page without a reload, and a change made on
the page is in the client's next sync."""

from __future__ import annotations

import base64
import urllib.request
import uuid
from email.message import Message
from xml.etree import ElementTree as ET

import defusedxml.ElementTree as SafeET
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Server
from tests.e2e.test_live import SOON, _api
from tests.e2e.test_tasks import sign_up

D = "{DAV:}"
SYNC = """<d:sync-collection xmlns:d="DAV:"><d:sync-token>{token}</d:sync-token>
<d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>"""


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def _dav(
    server: Server, method: str, path: str, auth: str, body: str = "", **headers: str
) -> tuple[int, Message, bytes]:
    request = urllib.request.Request(  # noqa: S310  (the test's own local server)
        f"{server.url}{path}",
        data=body.encode() or None,
        method=method,
        headers={"Authorization": auth, **headers},
    )
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def _sync(server: Server, inbox: str, auth: str, token: str) -> tuple[list[str], str]:
    status, _, body = _dav(server, "REPORT", inbox, auth, SYNC.format(token=token), Depth="1")
    assert status == 207, body
    root: ET.Element = SafeET.fromstring(body)
    hrefs = [r.findtext(f"{D}href") or "" for r in root.findall(f"{D}response")]
    return hrefs, root.findtext(f"{D}sync-token") or ""


def test_caldav_reaches_the_open_page_and_the_page_reaches_the_next_sync(
    page: Page, server: Server
) -> None:
    email = sign_up(page, "Phone")
    session = page.evaluate("localStorage.getItem('todo_token')")
    created = _api(
        server,
        "/api/tokens",
        {"name": "phone", "scopes": ["caldav"], "expires_in_days": None},
        session,
    )
    auth = "Basic " + base64.b64encode(f"{email}:{created['token']}".encode()).decode()

    status, headers, _ = _dav(server, "PROPFIND", "/.well-known/caldav", auth, Depth="0")
    assert (status, headers.get("Location")) == (307, "/dav/")
    status, _, body = _dav(server, "PROPFIND", "/dav/", auth, Depth="0")
    assert status == 207
    principal = SafeET.fromstring(body).findtext(f".//{D}current-user-principal/{D}href")
    user_id = principal.rstrip("/").rsplit("/", 1)[-1]
    inbox = f"/dav/calendars/{user_id}/inbox/"
    _, token = _sync(server, inbox, auth, "")

    uid = str(uuid.uuid4())
    vtodo = "\r\n".join(
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Phone//EN",
            "BEGIN:VTODO",
            f"UID:{uid}",
            "SUMMARY:Written on the phone",
            "END:VTODO",
            "END:VCALENDAR",
            "",
        ]
    )
    path = f"{inbox}{uid}.ics"
    status, _, _ = _dav(server, "PUT", path, auth, vtodo, **{"Content-Type": "text/calendar"})
    assert status == 201
    row = page.get_by_role("checkbox", name="Written on the phone")
    expect(row).to_be_visible(timeout=SOON)

    hrefs, token = _sync(server, inbox, auth, token)
    assert hrefs == [path]
    row.click()
    expect(row).to_be_checked()
    hrefs, _ = _sync(server, inbox, auth, token)
    assert hrefs == [path]
    status, _, body = _dav(server, "GET", path, auth)
    assert status == 200
    assert b"STATUS:COMPLETED" in body
