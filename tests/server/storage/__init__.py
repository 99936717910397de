"""Tests of the media stores: one contract for every implementation, then each one's own."""
