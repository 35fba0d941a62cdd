FROM alpine:3.20 AS a
RUN --mount=from=b,target=/b ls /b
FROM scratch AS b
