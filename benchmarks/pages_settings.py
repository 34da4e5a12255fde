"""Settings of the site `benchmarks/pages.py` serves: the project's own, with an URLconf that adds the bare
baseline view (benchmarks/pages_urls.py). Production never loads either module."""

from xiaobao.settings import *  # noqa: F403 — the production settings, unchanged but for the URLconf

ROOT_URLCONF = "benchmarks.pages_urls"
