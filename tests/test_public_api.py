import types

import perron


def test_public_surface_is_exactly_all():
    # submodules are set as attributes when imported; they are not part of the surface
    public = {
        name
        for name, value in vars(perron).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert set(perron.__all__) == public | {"__version__"}
    assert perron.__version__.count(".") == 2


def test_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PERRON_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("PERRON_DATABASE_URL", raising=False)
    settings = perron.Settings.from_env()
    assert settings.data_dir == tmp_path
    assert settings.database_url == f"sqlite:///{tmp_path / 'perron.db'}"
    monkeypatch.setenv("PERRON_DATABASE_URL", "postgresql://x@localhost/y")
    assert perron.Settings.from_env().database_url == "postgresql://x@localhost/y"


def test_secrets_are_generated_once_with_owner_only_permissions(monkeypatch, tmp_path):
    monkeypatch.delenv("PERRON_PSEUDONYM_KEY", raising=False)
    settings = perron.Settings(data_dir=tmp_path)
    first = settings.secret("pseudonym_key")
    assert settings.secret("pseudonym_key") == first and len(first) == 64
    assert (tmp_path / ".pseudonym_key").stat().st_mode & 0o777 == 0o600
    monkeypatch.setenv("PERRON_PSEUDONYM_KEY", "from-env")
    assert settings.secret("pseudonym_key") == b"from-env"
