"""Ship containers to Amazon ECS/Fargate from CI: the ci-ecs package."""


def installed_version() -> str:
    """The installed distribution's version: the release tag it was built from, or a dev version."""
    # Imported here: importlib.metadata costs start-up time that only --version needs.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("ci-ecs")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "0+unknown"


def __getattr__(name: str) -> str:
    """`ci_ecs.__version__`, read from the installed metadata when first asked for."""
    if name == "__version__":
        return installed_version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
