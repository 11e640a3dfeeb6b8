"""End-to-end tests: the widgets in JupyterLab in Chromium (make e2e)."""
