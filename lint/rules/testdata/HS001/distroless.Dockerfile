ARG DISTROLESS=gcr.io/distroless/static-debian12:nonroot
FROM golang:1.26 AS build
RUN CGO_ENABLED=0 go build -o /out/app .
# want HS001
FROM ${DISTROLESS}
COPY --from=build /out/app /app
