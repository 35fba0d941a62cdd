FROM python:3.12-slim
RUN pip install flask==3.0.3
run	pip3   install -r requirements.txt # trailing comment
RUN pip install --no-cache-dir six==1.16.0
