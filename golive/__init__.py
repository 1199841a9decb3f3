"""golive: deployment validation and go-live certification.

The layers of this package, what each may import, and the flow of one check from inventory
to verdict: docs/architecture.md#layers and docs/architecture.md#flow-of-one-check."""
