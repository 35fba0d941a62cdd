FROM golang:1.26 AS build
RUN CGO_ENABLED=0 go build -o /out/app .
# distroless's :nonroot tags run as uid 65532.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/app /app
ENTRYPOINT ["/app"]
