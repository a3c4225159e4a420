# Everything is in pyproject.toml. This file is for scrapyd-deploy, which builds the
# project's egg with `setup.py bdist_egg` (and would write a setup.py of its own without it).
from setuptools import setup

setup()
