"""The draft kinds ``fakeapp draft`` and /draft offer: constants only, so the CLI names them without loading
the drafts themselves (a fast start)."""

# hosting, registrar and apple_dev are for link cases (bot/casework/link_drafts.py).
KINDS = (
    "play",
    "apple",
    "aptoide",
    "galaxy",
    "store",
    "police",
    "website",
    "hosting",
    "registrar",
    "apple_dev",
)
