"""The filters of a ``calendar-query`` REPORT (RFC 4791 9.7), tested against one calendar.

Clients ask for "the open tasks" (``prop-filter COMPLETED is-not-defined`` and a negated
``text-match`` on ``STATUS``) or "the tasks of this week" (a ``time-range`` on the VTODO).
A filter is read once (``read``), then tested against each calendar object as icalendar
parsed it, so the rule for a VTODO in a time range (RFC 4791 9.9) lives in one place.
Pure: no database, no HTTP.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

from icalendar import Component

from todo_app.interop.caldav.dav_xml import BadRequest, cal

COLLATIONS = ("i;ascii-casemap", "i;octet", "i;unicode-casemap")


@dataclass(frozen=True)
class TimeRange:
    start: datetime | None
    end: datetime | None


@dataclass(frozen=True)
class TextMatch:
    text: str
    collation: str
    negate: bool

    def matches(self, value: str) -> bool:
        if self.collation == "i;octet":
            found = self.text in value
        else:
            found = self.text.casefold() in value.casefold()
        return found != self.negate


@dataclass(frozen=True)
class ParamFilter:
    name: str
    defined: bool
    text: TextMatch | None


@dataclass(frozen=True)
class PropFilter:
    name: str
    defined: bool
    time_range: TimeRange | None
    text: TextMatch | None
    params: tuple[ParamFilter, ...]


@dataclass(frozen=True)
class CompFilter:
    name: str
    defined: bool
    time_range: TimeRange | None = None
    props: tuple[PropFilter, ...] = ()
    comps: tuple[CompFilter, ...] = field(default_factory=tuple)


def _instant(raw: str | None) -> datetime | None:
    if raw is None:
        return None
    try:
        return datetime.strptime(raw, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise BadRequest(
            f"A time-range bound must be a UTC date-time like 20260101T000000Z, not {raw[:40]!r}"
        ) from None


def _time_range(node: ET.Element | None) -> TimeRange | None:
    if node is None:
        return None
    found = TimeRange(_instant(node.get("start")), _instant(node.get("end")))
    if found.start is None and found.end is None:
        raise BadRequest("A time-range needs a start or an end")
    return found


def _text(node: ET.Element | None) -> TextMatch | None:
    if node is None:
        return None
    collation = node.get("collation", "i;ascii-casemap")
    if collation not in COLLATIONS:
        raise BadRequest(f"Unsupported collation {collation[:40]!r}")
    return TextMatch(node.text or "", collation, node.get("negate-condition", "no") == "yes")


def _name(node: ET.Element) -> str:
    name = node.get("name")
    if not name:
        raise BadRequest(f"{node.tag.split('}')[-1]} needs a name")
    return name.upper()


def _param(node: ET.Element) -> ParamFilter:
    return ParamFilter(
        _name(node), node.find(cal("is-not-defined")) is None, _text(node.find(cal("text-match")))
    )


def _prop(node: ET.Element) -> PropFilter:
    return PropFilter(
        _name(node),
        node.find(cal("is-not-defined")) is None,
        _time_range(node.find(cal("time-range"))),
        _text(node.find(cal("text-match"))),
        tuple(_param(p) for p in node.findall(cal("param-filter"))),
    )


def _comp(node: ET.Element) -> CompFilter:
    return CompFilter(
        _name(node),
        node.find(cal("is-not-defined")) is None,
        _time_range(node.find(cal("time-range"))),
        tuple(_prop(p) for p in node.findall(cal("prop-filter"))),
        tuple(_comp(c) for c in node.findall(cal("comp-filter"))),
    )


def read(filter_node: ET.Element | None) -> CompFilter:
    """The query's filter; a query must filter on VCALENDAR (RFC 4791 9.7)."""
    if filter_node is None:
        raise BadRequest("A calendar-query needs a filter")
    top = filter_node.find(cal("comp-filter"))
    if top is None or _name(top) != "VCALENDAR":
        raise BadRequest("A calendar-query's filter starts with comp-filter name=VCALENDAR")
    return _comp(top)


# --- testing a calendar against it ---------------------------------------------------------


def _as_utc(value: Any, zone: ZoneInfo) -> datetime | None:
    """A DATE or DATE-TIME as an instant: floating times and dates on the owner's clock."""
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=zone).astimezone(UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(0), zone).astimezone(UTC)
    return None


def _value(component: Component, name: str, zone: ZoneInfo) -> datetime | None:
    prop = component.get(name)
    return None if prop is None else _as_utc(getattr(prop, "dt", None), zone)


def _todo_overlaps(todo: Component, span: TimeRange, zone: ZoneInfo) -> bool:
    """RFC 4791 9.9, the VTODO table, with an open bound as infinity."""
    lo = span.start or datetime.min.replace(tzinfo=UTC)
    hi = span.end or datetime.max.replace(tzinfo=UTC)
    start, due = _value(todo, "DTSTART", zone), _value(todo, "DUE", zone)
    completed, created = _value(todo, "COMPLETED", zone), _value(todo, "CREATED", zone)
    duration = todo.get("DURATION")
    if start is not None and duration is not None:
        length = getattr(duration, "dt", timedelta(0))
        return (lo <= start + length or lo <= start) and (hi > start or hi >= start + length)
    if start is not None and due is not None:
        return (lo <= start or lo < due) and (hi > start or hi >= due)
    if start is not None:
        return lo <= start < hi
    if due is not None:
        return lo < due <= hi
    if completed is not None and created is not None:
        return (lo <= created or lo <= completed) and (hi >= created or hi >= completed)
    if completed is not None:
        return lo <= completed <= hi
    if created is not None:
        return hi > created
    return True


def _text_of(prop: Any) -> str:
    if isinstance(prop, list):  # several CATEGORIES
        return ",".join(_text_of(p) for p in prop)
    cats = getattr(prop, "cats", None)
    if cats is not None:
        return ",".join(str(c) for c in cats)
    to_ical = getattr(prop, "to_ical", None)
    raw = to_ical() if to_ical else prop
    return raw.decode() if isinstance(raw, bytes) else str(raw)


def _prop_matches(component: Component, flt: PropFilter, zone: ZoneInfo) -> bool:
    values = component.get(flt.name)
    if not flt.defined:
        return values is None
    if values is None:
        return False
    instances = values if isinstance(values, list) else [values]
    for prop in instances:
        if flt.time_range is not None:
            at = _as_utc(getattr(prop, "dt", None), zone)
            lo, hi = flt.time_range.start, flt.time_range.end
            if at is None or (lo is not None and at < lo) or (hi is not None and at >= hi):
                continue
        if flt.text is not None and not flt.text.matches(_text_of(prop)):
            continue
        if all(_param_matches(prop, p) for p in flt.params):
            return True
    return False


def _param_matches(prop: Any, flt: ParamFilter) -> bool:
    params = getattr(prop, "params", {})
    value = params.get(flt.name)
    if not flt.defined:
        return value is None
    if value is None:
        return False
    return flt.text is None or flt.text.matches(str(value))


def _comp_matches(component: Component, flt: CompFilter, zone: ZoneInfo) -> bool:
    in_range = flt.time_range is None or component.name != "VTODO"
    if not in_range and not _todo_overlaps(component, flt.time_range, zone):
        return False
    if not all(_prop_matches(component, p, zone) for p in flt.props):
        return False
    return all(_children_match(component, c, zone) for c in flt.comps)


def _children_match(parent: Component, flt: CompFilter, zone: ZoneInfo) -> bool:
    children = [c for c in parent.subcomponents if c.name == flt.name]
    if not flt.defined:
        return not children
    return any(_comp_matches(child, flt, zone) for child in children)


def matcher(flt: CompFilter, zone: str) -> Callable[[Component], bool]:
    """A test of one parsed VCALENDAR against the query (dates on ``zone``'s clock)."""
    where = ZoneInfo(zone)

    def matches(calendar: Component) -> bool:
        if not flt.defined:
            return False  # every object is a VCALENDAR
        return _comp_matches(calendar, flt, where)

    return matches
