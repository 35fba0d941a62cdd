FROM golang:1.23 AS build
USER 1000:1000
RUN go build -o /tmp/app .

FROM alpine:3.20
COPY --from=build /tmp/app /app
CMD ["/app"]
