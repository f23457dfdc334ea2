"""The XML of WebDAV and CalDAV: names, reading request bodies, writing multistatus answers.

Bodies are read with ``defusedxml``, which refuses DTDs, entities and external references
outright, so no body can make the server expand or fetch anything; a body that is not
well-formed XML is a ``BadRequest`` with the parser's reason. Answers are built with the
standard ``xml.etree.ElementTree`` and written with the usual prefixes (``d:``, ``cal:``,
``cs:``), which some clients (Apple's among them) expect.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from xml.etree import ElementTree as ET

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

DAV = "DAV:"
CALDAV = "urn:ietf:params:xml:ns:caldav"
CS = "http://calendarserver.org/ns/"
APPLE = "http://apple.com/ns/ical/"
TODO = "urn:x-todo:dav"  # our own: the reason of a refusal, in words

for _prefix, _uri in (("d", DAV), ("cal", CALDAV), ("cs", CS), ("ical", APPLE), ("todo", TODO)):
    ET.register_namespace(_prefix, _uri)

STATUS_TEXT = {
    200: "OK",
    201: "Created",
    204: "No Content",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    412: "Precondition Failed",
    507: "Insufficient Storage",
}


class BadRequest(Exception):
    """A body that is not the XML the method takes: 400 with the reason."""


def qname(namespace: str, local: str) -> str:
    """ElementTree's ``{namespace}local`` form of a name."""
    return f"{{{namespace}}}{local}"


def d(local: str) -> str:
    return qname(DAV, local)


def cal(local: str) -> str:
    return qname(CALDAV, local)


def cs(local: str) -> str:
    return qname(CS, local)


def parse(body: bytes) -> ET.Element | None:
    """The root element of a request body, or None for an empty one."""
    if not body.strip():
        return None
    try:
        return SafeET.fromstring(body, forbid_dtd=True)
    except (ET.ParseError, DefusedXmlException) as exc:
        raise BadRequest(f"The request body is not well-formed XML: {exc}") from None


def requested_props(root: ET.Element | None) -> tuple[str, list[str]]:
    """What a PROPFIND (or a REPORT's ``prop``) asks for: ``("allprop", [])``,
    ``("propname", [])`` or ``("prop", [names])``. No body means allprop (RFC 4918 9.1)."""
    if root is None:
        return "allprop", []
    if root.find(d("propname")) is not None:
        return "propname", []
    prop = root.find(d("prop"))
    if prop is not None:
        return "prop", [child.tag for child in prop]
    return "allprop", []


@dataclass
class Response:
    """One ``DAV:response``: an href with either a status or properties grouped by status."""

    href: str
    found: list[ET.Element] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # names: 404
    forbidden: list[str] = field(default_factory=list)  # names: 403 (PROPPATCH)
    status: int | None = None  # a whole-resource status (a sync removal, a missing href)


def _status_line(code: int) -> str:
    return f"HTTP/1.1 {code} {STATUS_TEXT.get(code, '')}".rstrip()


def _propstat(parent: ET.Element, code: int, props: Iterable[ET.Element]) -> None:
    propstat = ET.SubElement(parent, d("propstat"))
    prop = ET.SubElement(propstat, d("prop"))
    for item in props:
        prop.append(item)
    ET.SubElement(propstat, d("status")).text = _status_line(code)


def multistatus(responses: Sequence[Response], sync_token: str | None = None) -> bytes:
    """A ``207 Multi-Status`` body (RFC 4918 13), with the sync token of a sync-collection."""
    root = ET.Element(d("multistatus"))
    for item in responses:
        response = ET.SubElement(root, d("response"))
        ET.SubElement(response, d("href")).text = item.href
        if item.status is not None:
            ET.SubElement(response, d("status")).text = _status_line(item.status)
            continue
        if item.found:
            _propstat(response, 200, item.found)
        if item.missing:
            _propstat(response, 404, (ET.Element(name) for name in item.missing))
        if item.forbidden:
            _propstat(response, 403, (ET.Element(name) for name in item.forbidden))
    if sync_token is not None:
        ET.SubElement(root, d("sync-token")).text = sync_token
    return serialise(root)


def error(precondition: str, reason: str = "") -> bytes:
    """A ``DAV:error`` body naming the precondition that failed (RFC 4918 16), and why."""
    root = ET.Element(d("error"))
    ET.SubElement(root, precondition)
    if reason:
        ET.SubElement(root, qname(TODO, "reason")).text = reason
    return serialise(root)


def serialise(root: ET.Element) -> bytes:
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def element(name: str, text: str | None = None, *children: ET.Element) -> ET.Element:
    """``<name>text</name>`` or ``<name><child/>...</name>``."""
    node = ET.Element(name)
    if text is not None:
        node.text = text
    for child in children:
        node.append(child)
    return node


def href_element(name: str, href: str) -> ET.Element:
    """``<name><d:href>href</d:href></name>``: a property whose value is a URL."""
    return element(name, None, element(d("href"), href))
