import pytest


@pytest.fixture(autouse=True)
def upload_dir(app, tmp_path):
    """Keep uploaded files of the tests out of the instance folder."""
    app.config["SELECTIONS_UPLOAD_DIR"] = str(tmp_path / "uploads")
    yield tmp_path / "uploads"
    app.config.pop("SELECTIONS_UPLOAD_DIR", None)
