FROM alpine:3.20
RUN echo one > /one
FROM scratch
COPY --from=0 /one /one
ADD --chown=app https://example.com/x.tgz /x/
