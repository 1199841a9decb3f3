"""golive: deployment validation and go-live certification."""
