"""Without chromium, a browser test fails (never skips) and says the one command to run."""

from pathlib import Path

import pytest

import browser_kit


def test_a_missing_chromium_fails_the_browser_test_with_the_install_command(monkeypatch):
    monkeypatch.setattr(browser_kit, "CHROMIUM", Path("/nonexistent/chromium"))
    with pytest.raises(pytest.fail.Exception) as failure:
        next(browser_kit.chromium())
    assert "apt-get install -y chromium" in str(failure.value)
    assert "make test" in str(failure.value)
