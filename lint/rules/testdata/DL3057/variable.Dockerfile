ARG SRC
FROM alpine:3.20 AS one
RUN echo one
FROM alpine:3.20 AS two
RUN echo two
# A --from naming an unknown variable may be any earlier stage.
# want DL3057
FROM alpine:3.20
COPY --from=${SRC} /x /x
