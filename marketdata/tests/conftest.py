import pytest

from marketdata.selectors import bars_cache


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Each test stores its Parquet files in its own directory."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture(autouse=True)
def empty_bars_cache():
    """Bars kept in memory by one test are not another's."""
    bars_cache.clear()
    yield
    bars_cache.clear()
