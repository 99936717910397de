"""Tests of the field app (mobile/): core without a window, real Kivy under Xvfb, real server."""
