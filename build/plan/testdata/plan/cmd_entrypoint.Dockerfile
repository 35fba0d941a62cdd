FROM alpine:3.20 AS base
CMD ["echo", "base"]
FROM base AS reset
ENTRYPOINT ["/entry"]
FROM reset AS same
CMD run --fast
ENTRYPOINT /bin/app $HOME
