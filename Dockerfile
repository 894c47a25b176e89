# The ci-ecs image: what the GitLab jobs run in and what the GitHub Action runs.
# Build: docker build --build-arg VERSION=1.2.3 -t ci-ecs .
# Offline, from a local base: add --build-arg BASE_IMAGE=<a Debian image with python3>.
ARG BASE_IMAGE=python:3.12-slim
# The version `ci-ecs --version` reports: the release tag without its v. The build context has no .git to read it
# from, so the release pipelines pass it; a build without it reports 0+unknown.
ARG VERSION=0+unknown

# ci-ecs and its dependencies in a venv (compiled: start-up time counts); the sources stay in this stage.
FROM ${BASE_IMAGE} AS app
ARG VERSION
WORKDIR /src
COPY pyproject.toml README.md ./
COPY ci_ecs ./ci_ecs
RUN python3 -m venv /opt/ci-ecs \
    && SETUPTOOLS_SCM_PRETEND_VERSION_FOR_CI_ECS="${VERSION}" \
       /opt/ci-ecs/bin/pip install --no-cache-dir --disable-pip-version-check . \
    && /opt/ci-ecs/bin/pip uninstall --yes --disable-pip-version-check pip

# The docker client alone (the build job drives the runner's or a dind daemon): the binary from the base
# distribution's docker.io package, unpacked without installing the daemon, containerd and runc it depends on.
FROM ${BASE_IMAGE} AS docker-cli
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
WORKDIR /tmp/docker
RUN apt-get update \
    && apt-get download docker.io \
    && dpkg-deb --fsys-tarfile docker.io_*.deb | tar -x ./usr/bin/docker \
    && rm -rf /var/lib/apt/lists/* docker.io_*.deb

# No USER and no WORKDIR: GitHub runs the action as root in the workspace it mounts at /github/workspace,
# GitLab in the job's checkout.
FROM ${BASE_IMAGE}
ARG VERSION
COPY --from=docker-cli /tmp/docker/usr/bin/docker /usr/local/bin/docker
COPY --from=app /opt/ci-ecs /opt/ci-ecs
ENV PATH=/opt/ci-ecs/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
LABEL org.opencontainers.image.title="ci-ecs" \
      org.opencontainers.image.description="Build, canary-deploy, deploy and roll back containers on Amazon ECS/Fargate from CI" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}"
ENTRYPOINT ["ci-ecs"]
