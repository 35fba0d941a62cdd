# A builder stage whose files are copied out is not checked, nor a stage
# that only builder stages are built on.
FROM python:3.12-slim AS tools
RUN pip install poetry==1.8.3

FROM tools AS builder
RUN pip install --prefix=/install flask==3.0.3

FROM python:3.12-slim
COPY --from=builder /install /usr/local
# want DL3042@5
RUN pip install gunicorn==22.0.0
ARG PIP_NO_CACHE_DIR=yes
RUN pip install flask==3.0.3
ENV PIP_CACHE_DIR=/cache/pip
RUN --mount=type=cache,target=/cache pip install flask==3.0.3
