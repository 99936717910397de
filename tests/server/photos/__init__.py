"""Tests of the photo pipeline, its refusals and `store_photo`."""
