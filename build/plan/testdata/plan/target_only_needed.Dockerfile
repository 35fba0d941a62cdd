# plan: target=test
FROM alpine:3.20 AS deps
RUN apk add git
FROM deps AS build
RUN make
FROM scratch AS unrelated
COPY --from=build /bin/app /app
FROM node:22 AS tools
FROM build AS test
COPY --from=tools /usr/bin/node /node
RUN --mount=type=bind,from=deps,target=/d ls /d
COPY --from=example.com/onbuild:1 /x /x
FROM scratch
COPY --from=build /bin/app /app
