# want DL3049 DL3049
FROM alpine:3.20
LABEL org.opencontainers.image.title=web
