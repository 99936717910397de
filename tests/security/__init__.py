"""Security checks: throttling, tokens, CSRF, headers, media exposure, password storage."""
