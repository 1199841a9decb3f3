"""The files that stand the sandbox up, shipped in golive's wheel as the package
``golive.sandbox.stack`` (setup.py maps this folder; golive/sandbox/context.py finds it through
importlib.resources). Data only: nothing imports this package."""
