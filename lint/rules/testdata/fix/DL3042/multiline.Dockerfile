FROM python:3.12-slim
# Install the app's dependencies.
RUN apt-get update \
    && pip install \
        --upgrade \
        flask==3.0.3 \
    # the server
    && pip3 install gunicorn==22.0.0 \
    && rm -rf /var/lib/apt/lists/*
