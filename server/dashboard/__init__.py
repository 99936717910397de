"""The web dashboard at `/`: server-rendered pages, cookie sessions, CSRF, htmx, SVG charts."""
