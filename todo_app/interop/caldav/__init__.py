"""CalDAV (RFC 4791): tasks as VTODO resources, for phone and desktop task apps."""
