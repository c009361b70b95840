# syntax=docker/dockerfile:1
# One image for all five zhengji services; the command picks the service:
#   docker run --rm IMAGE serve intake|validator|transcoder|review|publisher
# See docker-compose.yml, k8s/ and docs/operations.md.
FROM python:3.11-slim-bookworm

# fonts-wqy-microhei: the Chinese font embedded in 获奖证书 (services/review/certificate_pdf.py).
# Debian bookworm's ffmpeg (5.1) has libx264 for CPU encoding and h264_nvenc / hevc_nvenc / CUDA
# (NVDEC) support that loads the NVIDIA driver libraries at run time when a GPU is attached.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONUNBUFFERED=1 \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1 \
    PATH=/app/.venv/bin:$PATH

RUN pip install --no-cache-dir uv

WORKDIR /app
# Locked dependencies first, in their own layer, so a source change does not reinstall them.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY . .
# The project is installed editable: its own modules are compiled here too, or every service and
# every bounded media child (run as the unprivileged user, who cannot write /app) compiles them again.
RUN uv sync --frozen --no-dev && python -m compileall -q services zhengji contracts

# Non-root user; /data/blobs is created here so a fresh named volume mounted there is writable by it.
RUN useradd --uid 10001 --user-group --create-home --shell /usr/sbin/nologin zhengji \
    && mkdir -p /data/blobs /var/lib/zhengji \
    && chown zhengji:zhengji /data/blobs /var/lib/zhengji

# Listen on all interfaces inside the container. NVIDIA_DRIVER_CAPABILITIES: with the NVIDIA container
# toolkit, also mount the NVENC/NVDEC libraries ("video"); harmless without a GPU.
ENV ZHENGJI_HTTP_HOST=0.0.0.0 \
    ZHENGJI_HTTP_PORT=8000 \
    ZHENGJI_BLOB_DIR=/data/blobs \
    ZHENGJI_DATA_DIR=/var/lib/zhengji \
    NVIDIA_DRIVER_CAPABILITIES=compute,video,utility

USER 10001:10001
EXPOSE 8000

HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('ZHENGJI_HTTP_PORT', '8000'), timeout=4)"]

ENTRYPOINT ["/app/.venv/bin/zhengji"]
CMD ["--help"]
