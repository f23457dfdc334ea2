"""ASGI layers around the whole backend (pages, websocket, REST API): one job per module."""
