FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app ./cmd/app

# A static binary on scratch: nothing tells `docker run` what to start.
# want HS001@6
FROM scratch
COPY --from=build /out/app /app
