"""Entry point python-for-android looks for at the source root: starts the field app."""

from mobile.app import main

main()
