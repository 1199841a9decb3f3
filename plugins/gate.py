"""The Go/No-Go gate, one pytest plugin module per concern (each registered here, in the order
they import each other: a plugin imported before its turn is not assert-rewritten):

- ``runlock``: the run's hold on its reports directory from its first moment (one run at a
  time; a "not complete" NO-GO verdict.json until the run's own is written);
- ``metadata``: each check's metadata from its markers, once, at collection; the selected
  checks and their metadata, also from xdist workers (``workeroutput``);
- ``hung``: a service found hung is waited for once per run;
- ``records``: golive's record of each phase on its test report (it travels from an xdist
  worker to the controller) and each check's result built from them;
- ``aggregate``: the verdict (golive.gate.verdict.decide), in collection order;
- ``output``: golive's JUnit XML under its name, pytest's summary without the checks the gate
  decides on, the run's files, the verdict lines and the exit code.

docs/architecture.md#flow-of-one-check, step 6."""

pytest_plugins = [
    "pytest_golive.plugins.runlock",
    "pytest_golive.plugins.metadata",
    "pytest_golive.plugins.hung",
    "pytest_golive.plugins.records",
    "pytest_golive.plugins.aggregate",
    "pytest_golive.plugins.output",
]
