FROM python:3.12-slim
RUN python3 -m pip install --upgrade pip==24.0 && \
	python -m pip install -r /tmp/requirements.txt
RUN /opt/venv/bin/pip install httpx==0.27.0
