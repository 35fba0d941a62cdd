FROM python:3.13-slim AS base
RUN pip install --no-cache-dir uvicorn

# Neither this stage nor the one it is built FROM sets a USER.
# want HS003@6
FROM base
COPY . /app
CMD ["uvicorn", "app:app"]
