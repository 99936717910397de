"""Audits in: the phone's sync endpoints (assignments down, audits and photos up), the stored
audits with their answers, revisions, photos and proof-of-visit flags."""
