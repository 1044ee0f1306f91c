"""Cases: the case model, its states and actions, and its audit trail."""
