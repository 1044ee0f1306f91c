"""Lowest layer: settings, the string catalogue, text sanitizing and image fetching, shared by every room."""
