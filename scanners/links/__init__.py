"""The link tracer: from a lure URL through redirects and share pages to every app a page distributes."""
