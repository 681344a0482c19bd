# The portal, the indexer and the workers share this image (docker-compose.yml picks the command).
# Base images pinned by exact tag (tests/test_compose_scheduler.py).
FROM node:20.18.1-bookworm-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error

FROM python:3.11.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 JOBBRO_ENV=production \
    JOBBRO_INSTANCE_PATH=/var/lib/jobbro HF_HUB_OFFLINE=1
WORKDIR /app
COPY pyproject.toml README.md constraints.txt ./
# Every package of pyproject.toml's [tool.setuptools.packages.find] (tests/test_deploy.py checks it).
COPY portal ./portal
COPY matching ./matching
COPY indexer ./indexer
COPY store ./store
COPY cvtext ./cvtext
RUN pip install --no-cache-dir torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu \
 && pip install --no-cache-dir -c constraints.txt .
COPY templates ./templates
COPY migrations ./migrations
COPY --from=assets /build/node_modules/dkfds/dist/css ./portal/static/vendor/dkfds/css
COPY --from=assets /build/node_modules/dkfds/dist/js ./portal/static/vendor/dkfds/js
COPY --from=assets /build/node_modules/dkfds/dist/fonts ./portal/static/vendor/dkfds/fonts
COPY --from=assets /build/node_modules/dkfds/dist/img ./portal/static/vendor/dkfds/img
COPY --from=assets /build/node_modules/chart.js/dist/chart.umd.min.js ./portal/static/vendor/
COPY --from=assets /build/node_modules/swagger-ui-dist/swagger-ui-bundle.js /build/node_modules/swagger-ui-dist/swagger-ui.css ./portal/static/vendor/swagger-ui/
RUN useradd --system --home /var/lib/jobbro jobbro && mkdir -p /var/lib/jobbro && chown jobbro /var/lib/jobbro
USER jobbro
EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "3", "--worker-class", "gthread", "--threads", "4", "--timeout", "60", "portal.wsgi:app"]
