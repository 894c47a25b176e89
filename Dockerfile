# The ci-ecs image: what the GitLab jobs run in and what the GitHub Action runs.
# Build: docker build --build-arg VERSION=1.2.3 -t ci-ecs .
# Offline, from a local base: add --build-arg BASE_IMAGE=<a Debian image with python3>.
# The deploy image, without the docker client only `build` needs: add --target deploy.
ARG BASE_IMAGE=python:3.12-slim
# The version `ci-ecs --version` reports: the release tag without its v. The build context has no .git to read it
# from, so the release pipelines pass it; a build without it reports 0+unknown.
ARG VERSION=0+unknown

# ci-ecs and its dependencies in a venv (compiled: start-up time counts); the sources stay in this stage. Not kept:
# pip and setuptools (nothing installs at run time), cryptography (PyGithub needs it only to sign a GitHub App's
# JWT; ci-ecs authenticates with a token), and the botocore/boto3 models of every AWS service ci-ecs makes no
# client for (ci_ecs/aws/botocore_data.py lists the ones it does: 2 MB of botocore's 30).
FROM ${BASE_IMAGE} AS app
ARG VERSION
WORKDIR /src
COPY pyproject.toml README.md ./
COPY ci_ecs ./ci_ecs
RUN python3 -m venv /opt/ci-ecs \
    && SETUPTOOLS_SCM_PRETEND_VERSION_FOR_CI_ECS="${VERSION}" \
       /opt/ci-ecs/bin/pip install --no-cache-dir --disable-pip-version-check . \
    && /opt/ci-ecs/bin/pip uninstall --yes --disable-pip-version-check cryptography setuptools pip \
    && /opt/ci-ecs/bin/python -m ci_ecs.aws.botocore_data /opt/ci-ecs/lib/python3*/site-packages/botocore/data \
       /opt/ci-ecs/lib/python3*/site-packages/boto3/data

# The docker client alone (the build job drives the runner's or a dind daemon): the binary from the base
# distribution's docker.io package, unpacked without installing the daemon, containerd and runc it depends on.
FROM ${BASE_IMAGE} AS docker-cli
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
WORKDIR /tmp/docker
RUN apt-get update \
    && apt-get download docker.io \
    && dpkg-deb --fsys-tarfile docker.io_*.deb | tar -x ./usr/bin/docker \
    && rm -rf /var/lib/apt/lists/* docker.io_*.deb

# The base without what only installing software needs (apt and its libraries, perl, debconf, e2fsprogs,
# util-linux, the wheels venv installs), translations, manuals, caches and the parts of the standard library
# nothing runs (tests, IDLE, tkinter, lib2to3, pydoc's data, ensurepip, distutils); the shell and coreutils stay
# for GitLab's job scripts. dpkg's database stays, true to what is left, for image scanners.
FROM ${BASE_IMAGE} AS runtime
COPY --from=app /opt/ci-ecs /opt/ci-ecs
RUN dpkg --purge --force-remove-essential --force-depends \
      apt libapt-pkg6.0 libgnutls30 libunistring2 libidn2-0 libp11-kit0 libtasn1-6 libnettle8 libhogweed6 gpgv \
      e2fsprogs libext2fs2 logsave libss2 adduser debconf util-linux mount libsystemd0 libgcrypt20 libgpg-error0 \
      perl-base ncurses-bin bsdutils python3-pip-whl python3-setuptools-whl python3-distutils python3-lib2to3 \
      python3-venv python3.11-venv \
    && rm -rf /usr/share/locale/* /usr/share/man/* /usr/share/info/* /usr/share/lintian /usr/share/python-wheels \
      /usr/lib/*/gconv /usr/share/perl5 /etc/apt /var/lib/apt /var/cache/* /var/log/* /tmp/* /root/.cache \
      /usr/lib/python3*/test /usr/lib/python3*/idlelib /usr/lib/python3*/tkinter /usr/lib/python3*/turtledemo \
      /usr/lib/python3*/lib2to3 /usr/lib/python3*/pydoc_data /usr/lib/python3*/ensurepip \
      /usr/lib/python3*/distutils /usr/local/lib/python3*/test /usr/local/lib/python3*/idlelib \
      /usr/local/lib/python3*/tkinter /usr/local/lib/python3*/turtledemo /usr/local/lib/python3*/lib2to3 \
      /usr/local/lib/python3*/pydoc_data /usr/local/lib/python3*/ensurepip

# The deploy image: everything but the docker client, in one layer (what the runtime stage deleted is not
# underneath). `docker build --target deploy` — for the jobs that do not build: canary-deploy, deploy, rollback.
# No USER and no WORKDIR: GitHub runs the action as root in the workspace it mounts at /github/workspace,
# GitLab in the job's checkout.
FROM scratch AS deploy
ARG VERSION
# The whole file system on purpose: copied, it is one layer without the base's deleted files.
# hadolint ignore=DL3067
COPY --from=runtime / /
ENV PATH=/opt/ci-ecs/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
LABEL org.opencontainers.image.title="ci-ecs" \
      org.opencontainers.image.description="Build, canary-deploy, deploy and roll back containers on Amazon ECS/Fargate from CI" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}"
ENTRYPOINT ["ci-ecs"]

# The image (the default target): the deploy image and the docker client, for every command including build —
# the GitHub Action has one image for all its commands, the GitLab component one for all its jobs.
FROM deploy
COPY --from=docker-cli /tmp/docker/usr/bin/docker /usr/local/bin/docker
