# LSTM State Lab: docker build -t lstm-state-lab . && docker run -p 8000:8000 lstm-state-lab
ARG BASE_IMAGE=python:3.11-slim-bookworm

# -- build: the venv, then everything the running app never reads is removed --------------------
FROM ${BASE_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
# binutils for `strip`, in this stage only
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends binutils >/dev/null \
    && rm -rf /var/lib/apt/lists/*
RUN python3 -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /srv

# Dependencies in their own layer: only pyproject.toml and the lock decide whether it is rebuilt;
# -c requirements.lock: the versions the tests passed with.
COPY pyproject.toml README.md requirements.lock ./
# --no-compile: the byte-code caches are removed below anyway.
RUN python3 -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" > deps.txt \
    && pip install --no-compile -c requirements.lock -r deps.txt

# Keras's other backends, so /claims and "On every Keras backend" show them beside TensorFlow:
#   --build-arg BACKENDS="jax torch"   (default: none; the pages then say they are missing)
# PyTorch's CPU build comes from PyTorch's own index (PyPI's Linux wheel pulls ~3 GB of CUDA).
ARG BACKENDS=""
ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
RUN for b in $BACKENDS; do case "$b" in \
      jax) pip install --no-compile -c requirements.lock "jax[cpu]" ;; \
      torch) pip install --no-compile -c requirements.lock --extra-index-url "$TORCH_INDEX_URL" torch ;; \
      *) echo "BACKENDS: unknown backend '$b' (jax, torch)" >&2; exit 1 ;; \
    esac; done

COPY app ./app
COPY templates ./templates
COPY static ./static
COPY content ./content
RUN pip install --no-compile --no-deps . && rm -rf /srv/app /srv/templates /srv/static /srv/content /srv/build /srv/*.egg-info

# Not needed to run: TensorFlow's C headers (~290 MB), libclang (TF's build-time dependency,
# ~60 MB), all of plotly but the one JavaScript file the pages load (~55 MB), pip itself,
# byte-code caches (rebuilt on import), and the static symbol tables of TensorFlow's shared
# libraries (shipped unstripped: ~210 MB; the dynamic symbols they link by stay). Only
# TensorFlow's: the libraries auditwheel bundled (numpy.libs, ...) break when stripped.
RUN SITE=$(python3 -c "import sysconfig; print(sysconfig.get_paths()['purelib'])") \
    && rm -rf "$SITE/tensorflow/include" "$SITE/clang" "$SITE"/libclang* \
    && find "$SITE/plotly" -mindepth 1 -maxdepth 1 ! -name package_data -exec rm -rf {} + \
    && find "$SITE/plotly/package_data" -mindepth 1 ! -name plotly.min.js -exec rm -rf {} + \
    && pip uninstall -y pip \
    && find /opt/venv -name __pycache__ -type d -prune -exec rm -rf {} + \
    && find "$SITE/tensorflow" -type f -name '*.so*' -exec strip --strip-unneeded {} +

# -- run --------------------------------------------------------------------------------------
FROM ${BASE_IMAGE}
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    TF_CPP_MIN_LOG_LEVEL=2 \
    PATH=/opt/venv/bin:$PATH
COPY --from=build /opt/venv /opt/venv
RUN useradd --uid 10001 --create-home --shell /usr/sbin/nologin lab
USER 10001
WORKDIR /home/lab
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python3", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["lstm-state-lab", "serve", "--host", "0.0.0.0", "--port", "8000"]
