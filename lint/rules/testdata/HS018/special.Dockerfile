# special.Dockerfile.dockerignore applies to this file instead of .dockerignore.
FROM alpine:3.20
COPY debug.log /app/
# want HS018
COPY vendor/lib.so /app/
COPY app.conf /app/
