"""Nothing but what a checkout needs: golive's plugin loads through its pytest11 entry point."""
