# Production image: gunicorn serves the site; the same image runs the Celery worker and beat.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DJANGO_SETTINGS_MODULE=traffic_stops.settings.production
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/*
COPY requirements/ requirements/
RUN pip install --no-cache-dir -r requirements/production.txt
COPY . .
RUN SECRET_KEY=build-only-$(python -c 'import secrets; print(secrets.token_urlsafe(64))') \
    ALLOWED_HOSTS=build python manage.py collectstatic --noinput
RUN useradd --create-home app && chown -R app /app
USER app
EXPOSE 8000
CMD ["gunicorn", "-c", "conf/gunicorn.conf.py", "traffic_stops.wsgi"]
