ARG BASE
# An ARG without default is not guessed.
FROM ${BASE}
EXPOSE 8080
HEALTHCHECK NONE
