FROM golang:1.23 AS build
RUN go build -o /app .

# hadolint reports the line after the last FROM; hoist reports the FROM.
# want DL3063@1
FROM alpine:3.20
COPY --from=build /app /app
# ONBUILD USER does not count.
ONBUILD USER app
CMD ["/app"]
