# A USER in a builder stage does not make the final image non-root.
FROM golang:1.26 AS build
RUN useradd --create-home builder
USER builder
WORKDIR /home/builder/src
COPY --chown=builder . .
RUN go build -o /home/builder/app .

# want HS003@6
FROM debian:13-slim
COPY --from=build /home/builder/app /usr/local/bin/app
ENTRYPOINT ["/usr/local/bin/app"]
