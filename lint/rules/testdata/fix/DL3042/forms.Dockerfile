FROM python:3.12-slim
RUN ["pip", "install", "flask==3.0.3"]
RUN sh -c "pip install flask==3.0.3"
ONBUILD RUN pip install gunicorn==22.0.0
RUN <<EOT
set -e
pip install uvicorn==0.30.0
EOT
# A --cache-dir chosen on purpose is reported, not rewritten.
RUN pip install --cache-dir /tmp/pip six==1.16.0
