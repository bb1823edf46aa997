# K-means Explorer: one app process (what `make run` starts) in an image.
#   docker build -t kmeans-explorer .
#   docker run --rm -p 8501:8501 kmeans-explorer                      # one process, like `make run`
# For a room or a course, run several containers behind a balancer with cookie affinity:
# deploy/compose.yaml (HAProxy, one machine) or deploy/kubernetes/kmeans.yaml (a cluster).
# Each container is one replica: give it one CPU and keep its numeric work on one thread.
FROM python:3.11-slim-bookworm

RUN apt-get update \
 && apt-get install -y --no-install-recommends make \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# Dependencies first, so code changes do not reinstall them.
COPY requirements.txt Makefile ./
RUN make .venv/.installed PYTHON=python3.11
COPY . .
# `make install` also copies plotly.js for the Explorer's browser component (no CDN at run time).
RUN make install PYTHON=python3.11 && useradd --create-home --uid 10001 kmeans && chown -R kmeans /app
USER kmeans

ENV KMEANS_THREADS=1 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
    PYTHONUNBUFFERED=1 PORT=8501
# Several replicas must share one cookie secret: pass STREAMLIT_SERVER_COOKIE_SECRET at run time
# (compose: from the environment; Kubernetes: from a Secret). Never bake it into the image.
EXPOSE 8501
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD python3 -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=2).status != 200)"
# `make run` = scripts/serve.py --server.headless true --server.port $(PORT); Streamlit listens on
# every interface by default, which a container needs.
CMD ["make", "run"]
