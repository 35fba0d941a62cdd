# plan: arg=TAG=3.20
ARG REG=docker.io
ARG TAG=latest
ARG UNUSED=x
FROM alpine:${TAG}
ARG TAG
ARG REG
RUN echo $TAG $REG $UNUSED
ENV SEEN=${TAG}-${UNUSED:-none}
