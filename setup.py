# Shim for bench versions that still call `setup.py`; the real metadata lives in pyproject.toml.
from setuptools import setup

setup()
