"""The packages of golive's wheel (the rest of its metadata is pyproject.toml's): golive and
pytest_golive, and two folders of data mapped into golive (docs/architecture.md#packaging).
pyproject's ``packages.find`` cannot add mapped folders to the packages it finds, so the list
is made here: a new subpackage (a suite's folder) needs no entry."""

from setuptools import find_packages, setup

DATA = {"golive.load": "load", "golive.sandbox.stack": "environments/sandbox/stack"}
"""Folders shipped as packages of data: their files are package data (pyproject.toml)."""

setup(
    packages=[*find_packages(include=["golive*", "pytest_golive*"]), *DATA],
    package_dir=DATA,
)
