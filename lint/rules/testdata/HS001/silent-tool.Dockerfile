# A tool image, run as `docker run img make test`: no EXPOSE, no HEALTHCHECK.
FROM ubuntu:24.04
RUN apt-get update && apt-get install -y --no-install-recommends make gcc
WORKDIR /work
