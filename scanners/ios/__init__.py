"""iOS distribution outside the App Store: IPAs, provisioning profiles, itms-services manifests,
configuration profiles and TestFlight links, read from bytes and files without macOS."""
