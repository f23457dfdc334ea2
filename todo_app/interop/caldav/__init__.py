"""CalDAV (RFC 4791, RFC 6578): the tasks as VTODO calendars for phone and desktop apps."""
