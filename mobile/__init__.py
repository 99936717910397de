"""The Shopscore field app for auditors: Kivy screens over an offline-first core."""
