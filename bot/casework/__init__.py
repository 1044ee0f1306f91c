"""Casework: drafts, evidence packs, reports and the facts of a case they are built from."""
