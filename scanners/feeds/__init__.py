"""Outside lists of known fraud sites (the police's 165 list), parsed and matched to the brands."""
