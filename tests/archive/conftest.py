import pytest


@pytest.fixture(autouse=True)
def upload_dir(app, tmp_path):
    """Keep the tests' uploads and import previews out of the instance folder."""
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    yield tmp_path / "uploads"
    app.config.pop("UPLOAD_DIR", None)
