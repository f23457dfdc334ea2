"""The WebDAV properties of each kind of resource under ``/dav/``, and their URLs.

A resource is one of: the root, the caller's principal, their calendar home, a calendar (a
list or the Inbox) and a calendar object (a task). Each kind declares the properties it has
as ``{name: how to make it}``, so ``allprop``, ``propname`` and ``prop`` answers come from
the same table and a property a kind lacks is reported as 404, as RFC 4918 asks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from email.utils import format_datetime
from urllib.parse import quote
from xml.etree import ElementTree as ET

from todo_app.interop.caldav import dav_xml as x
from todo_app.interop.caldav.store import Collection, Item
from todo_app.limits import DAV_OBJECT_MAX

ROOT = "/dav/"
CONTENT_TYPE = "text/calendar; charset=utf-8; component=VTODO"


def principal_url(user_id: object) -> str:
    return f"{ROOT}principals/{user_id}/"


def home_url(user_id: object) -> str:
    return f"{ROOT}calendars/{user_id}/"


def collection_url(user_id: object, coll: Collection) -> str:
    return f"{home_url(user_id)}{quote(coll.segment)}/"


def object_url(user_id: object, coll: Collection, name: str) -> str:
    return f"{collection_url(user_id, coll)}{quote(name)}"


@dataclass(frozen=True)
class Caller:
    """Who is asking, as the properties need it."""

    user_id: object
    email: str
    name: str


Maker = Callable[[], ET.Element]


def _resourcetype(*kinds: str) -> Maker:
    return lambda: x.element(x.d("resourcetype"), None, *(ET.Element(k) for k in kinds))


def _text(name: str, value: str) -> Maker:
    return lambda: x.element(name, value)


def _href(name: str, href: str) -> Maker:
    return lambda: x.href_element(name, href)


def _privileges(*names: str) -> Maker:
    def make() -> ET.Element:
        root = ET.Element(x.d("current-user-privilege-set"))
        for name in names:
            privilege = ET.SubElement(root, x.d("privilege"))
            ET.SubElement(privilege, name)
        return root

    return make


def _reports(*names: str) -> Maker:
    def make() -> ET.Element:
        root = ET.Element(x.d("supported-report-set"))
        for name in names:
            report = ET.SubElement(ET.SubElement(root, x.d("supported-report")), x.d("report"))
            ET.SubElement(report, name)
        return root

    return make


def _common(caller: Caller) -> dict[str, Maker]:
    return {
        x.d("current-user-principal"): _href(
            x.d("current-user-principal"), principal_url(caller.user_id)
        ),
        x.d("principal-URL"): _href(x.d("principal-URL"), principal_url(caller.user_id)),
    }


READ = (x.d("read"), x.d("read-current-user-privilege-set"))
WRITE = (x.d("write"), x.d("write-content"), x.d("write-properties"), x.d("bind"), x.d("unbind"))


def root_props(caller: Caller) -> dict[str, Maker]:
    return {
        x.d("resourcetype"): _resourcetype(x.d("collection")),
        x.d("displayname"): _text(x.d("displayname"), "Todo"),
        **_common(caller),
        x.d("current-user-privilege-set"): _privileges(*READ),
    }


def principal_props(caller: Caller) -> dict[str, Maker]:
    def addresses() -> ET.Element:
        return x.element(
            x.cal("calendar-user-address-set"),
            None,
            x.element(x.d("href"), f"mailto:{caller.email}"),
        )

    return {
        x.d("resourcetype"): _resourcetype(x.d("collection"), x.d("principal")),
        x.d("displayname"): _text(x.d("displayname"), caller.name or caller.email),
        **_common(caller),
        x.cal("calendar-home-set"): _href(x.cal("calendar-home-set"), home_url(caller.user_id)),
        x.cal("calendar-user-address-set"): addresses,
        x.d("principal-collection-set"): _href(
            x.d("principal-collection-set"), f"{ROOT}principals/"
        ),
        x.d("current-user-privilege-set"): _privileges(*READ),
        x.d("supported-report-set"): _reports(),
    }


def home_props(caller: Caller) -> dict[str, Maker]:
    return {
        x.d("resourcetype"): _resourcetype(x.d("collection")),
        x.d("displayname"): _text(x.d("displayname"), "Lists"),
        **_common(caller),
        x.d("owner"): _href(x.d("owner"), principal_url(caller.user_id)),
        x.d("current-user-privilege-set"): _privileges(*READ, x.d("bind")),
        x.d("supported-report-set"): _reports(),
    }


def collection_props(
    caller: Caller, coll: Collection, ctag: Callable[[], str], token: Callable[[], str]
) -> dict[str, Maker]:
    """``ctag`` and ``token`` read the collection: only called when those are asked for."""

    def components() -> ET.Element:
        root = ET.Element(x.cal("supported-calendar-component-set"))
        ET.SubElement(root, x.cal("comp"), name="VTODO")
        return root

    def data() -> ET.Element:
        root = ET.Element(x.cal("supported-calendar-data"))
        ET.SubElement(
            root, x.cal("calendar-data"), {"content-type": "text/calendar", "version": "2.0"}
        )
        return root

    privileges = READ + WRITE if coll.can_write else READ
    return {
        x.d("resourcetype"): _resourcetype(x.d("collection"), x.cal("calendar")),
        x.d("displayname"): _text(x.d("displayname"), coll.name),
        **_common(caller),
        x.d("owner"): _href(x.d("owner"), principal_url(coll.owner_id)),
        x.d("current-user-privilege-set"): _privileges(*privileges),
        x.d("supported-report-set"): _reports(
            x.cal("calendar-query"), x.cal("calendar-multiget"), x.d("sync-collection")
        ),
        x.cal("supported-calendar-component-set"): components,
        x.cal("supported-calendar-data"): data,
        x.cal("max-resource-size"): _text(x.cal("max-resource-size"), str(DAV_OBJECT_MAX)),
        x.cs("getctag"): lambda: x.element(x.cs("getctag"), ctag()),
        x.d("sync-token"): lambda: x.element(x.d("sync-token"), token()),
    }


def object_props(coll: Collection, item: Item, render: Callable[[], bytes]) -> dict[str, Maker]:
    """``render`` makes the object's text: only called for the properties that need it."""
    return {
        x.d("resourcetype"): _resourcetype(),
        x.d("getetag"): _text(x.d("getetag"), item.etag),
        x.d("getcontenttype"): _text(x.d("getcontenttype"), CONTENT_TYPE),
        x.d("getlastmodified"): _text(
            x.d("getlastmodified"), format_datetime(item.task.updated_at, usegmt=True)
        ),
        x.d("getcontentlength"): lambda: x.element(x.d("getcontentlength"), str(len(render()))),
        x.cal("calendar-data"): lambda: x.element(x.cal("calendar-data"), render().decode()),
        x.d("current-user-privilege-set"): _privileges(*(READ + WRITE if coll.can_write else READ)),
    }


def listed_props(etag: str) -> dict[str, Maker]:
    """What a listing of a collection can say of an object from its ETag alone."""
    return {
        x.d("resourcetype"): _resourcetype(),
        x.d("getetag"): _text(x.d("getetag"), etag),
        x.d("getcontenttype"): _text(x.d("getcontenttype"), CONTENT_TYPE),
    }


KNOWN_WITHOUT_READING = frozenset({x.d("resourcetype"), x.d("getetag"), x.d("getcontenttype")})

# Asked for by name only (RFC 4918 9.1: allprop need not include expensive properties).
NOT_IN_ALLPROP = frozenset({x.cal("calendar-data"), x.d("getcontentlength"), x.d("sync-token")})


def answer(href: str, props: dict[str, Maker], how: str, names: list[str]) -> x.Response:
    """One resource's ``response`` for an ``allprop``, ``propname`` or ``prop`` request."""
    if how == "propname":
        return x.Response(href, found=[ET.Element(name) for name in props])
    everything = [name for name in props if name not in NOT_IN_ALLPROP]
    wanted = everything if how == "allprop" else names
    found = [props[name]() for name in wanted if name in props]
    missing = [name for name in wanted if name not in props]
    return x.Response(href, found=found, missing=missing)
