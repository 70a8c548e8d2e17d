"""The package's namespace: what ``__all__`` lists is what it offers, and nothing else public."""

import types

import convert_utf8

# The submodules for columns, imported on their own (they need Arrow or dataframe libraries).
SUBMODULES = {"arrow", "pandas", "polars", "duckdb"}


def test_public_names_are_exactly_all():
    public = {
        name
        for name in dir(convert_utf8)
        if not name.startswith("_")
        and not (name in SUBMODULES and isinstance(getattr(convert_utf8, name), types.ModuleType))
    }
    assert public == set(convert_utf8.__all__) - {"__version__"}
    for stray in ("codecs", "re", "partial", "Final", "annotations"):
        assert not hasattr(convert_utf8, stray), stray


def test_version_is_the_package_version():
    from importlib.metadata import version

    assert convert_utf8.__version__ == version("convert-utf8")
    assert "__version__" in convert_utf8.__all__
