"""``python -m mobile``: run the field app (on the desktop: ``make mobile``)."""

from mobile.app import main

main()
