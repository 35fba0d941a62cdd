# want HS001@6
from python:3.13-slim as app
workdir /app
copy . .
run pip install --no-cache-dir .
healthcheck cmd curl -fsS http://localhost:8000/health || exit 1
