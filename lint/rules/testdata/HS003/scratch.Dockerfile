FROM golang:1.26 AS build
RUN CGO_ENABLED=0 go build -o /out/app .
# A static binary on scratch still runs as uid 0.
# want HS003@6
from scratch
copy --from=build /out/app /app
entrypoint ["/app"]
