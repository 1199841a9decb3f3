"""Pure judges: facts in, findings out, one module per suite."""
