"""Evidence, redaction, certificate, bundle and the reports directory."""
