# VIP Tracker image: web (gunicorn), worker and beat (celery) all run from it.
# docker-compose.yml builds it once and runs each process with its own command.

# --- Front-end libraries, copied to static/vendor/ by the same script `make assets` runs ---
FROM node:20-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
COPY scripts/vendor_assets.sh scripts/
RUN scripts/vendor_assets.sh

# --- The application ---------------------------------------------------------------------
FROM python:3.11-slim

# PYTHONPATH: the code runs from /app (settings find templates/ and static/ next to it), not
# from the copy `pip install .` puts in site-packages; celery, unlike gunicorn and manage.py,
# does not put the working directory on sys.path by itself.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app

RUN groupadd --system --gid 10001 vip \
 && useradd --system --uid 10001 --gid vip --home-dir /app --no-create-home \
    --shell /usr/sbin/nologin vip

WORKDIR /app
COPY . .
RUN pip install --no-cache-dir . && rm -rf build ./*.egg-info
COPY --from=assets /build/static/vendor static/vendor

# Production settings fail closed, so collectstatic needs these set. They are placeholders for
# this one build step only: nothing connects to them and none of them stays in the image.
RUN DJANGO_SETTINGS_MODULE=config.settings.production \
    SECRET_KEY=build-only-collectstatic-not-a-secret \
    DATABASE_URL=postgres://build-only@build-only.invalid:5432/build-only \
    REDIS_URL=redis://build-only.invalid:6379/0 \
    ALLOWED_HOSTS=build-only.invalid \
    python manage.py collectstatic --noinput

USER vip
EXPOSE 8000
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
