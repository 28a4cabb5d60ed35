"""Reusable UI pieces: the signed-in layout and accessible form fields."""
