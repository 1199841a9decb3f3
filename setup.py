"""The packages of golive's wheel (the rest of its metadata is pyproject.toml's): golive and
pytest_golive, with top-level folders of the checkout mapped into them (setuptools'
``package_dir``, editable installs included; docs/architecture.md#packaging):

- ``suites/``, ``fixtures/`` and ``plugins/`` are ``pytest_golive.suites``, ``.fixtures`` and
  ``.plugins``: the design card's layout at the repository's root, the importable names as
  before;
- ``load/`` and the sandbox's stack (``environments/sandbox/stack/``) are folders of data,
  ``golive.load`` and ``golive.sandbox.stack`` (their files are package data, pyproject.toml).

pyproject's ``packages.find`` cannot add mapped folders to the packages it finds, so the list
is made here: a new subpackage (a suite's folder) needs no entry."""

from setuptools import find_packages, setup

MAPPED = {
    "pytest_golive.suites": "suites",
    "pytest_golive.fixtures": "fixtures",
    "pytest_golive.plugins": "plugins",
}
"""Top-level folders that are subpackages of pytest_golive, with subpackages of their own."""

DATA = {"golive.load": "load", "golive.sandbox.stack": "environments/sandbox/stack"}
"""Folders shipped as packages of data: their files are package data (pyproject.toml)."""

setup(
    packages=[
        *find_packages(include=["golive*", "pytest_golive*"]),
        *(
            name
            for package, folder in MAPPED.items()
            for name in (package, *(f"{package}.{sub}" for sub in find_packages(folder)))
        ),
        *DATA,
    ],
    package_dir={**MAPPED, **DATA},
)
