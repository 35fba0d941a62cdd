FROM busybox
COPY . /app/
