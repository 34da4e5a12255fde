"""The demo institution (`make demo`): one story over a complete year and the current one, in every module.

A top-layer app of its own: it drives each app's services on the demo clock (`core.py`'s `demo_clock`), so the
production apps ship no demo code. It is installed only when `XIAOBAO_DEMO` or `XIAOBAO_TESTING` is set
(settings.py), so `load_demo` does not exist on a production node. It reads other apps' models to pick the rows
a story continues with, which the import contracts allow this app alone among the top layer.
"""
