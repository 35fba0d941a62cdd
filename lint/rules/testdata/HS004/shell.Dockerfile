# Go: `go build` after the whole context downloads every module again.
FROM golang:1.26 AS go-build
WORKDIR /src
# want HS004@6
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -o /out/app ./cmd/app

# go.mod was copied first, but nothing downloaded the modules before the broad COPY.
FROM golang:1.26 AS go-late
WORKDIR /src
COPY go.mod go.sum ./
# want HS004@6
COPY . .
RUN go build -o /out/app .

# The good pattern.
FROM golang:1.26 AS go-good
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build -o /out/app .

# A module cache mount makes the downloads cheap.
FROM golang:1.26 AS go-cache
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    go build -o /out/app .

# Vendored modules, a tool install and GOPATH mode download nothing.
FROM golang:1.26 AS go-vendor
WORKDIR /src
COPY . .
RUN go build -mod=vendor -o /out/app . && go install golang.org/x/tools/cmd/goimports@v0.30.0
ENV GOFLAGS=-mod=vendor
RUN go test ./...

FROM golang:1.12 AS gopath
ENV GO111MODULE=off
COPY . /go/src/github.com/acme/app
RUN go install github.com/acme/app/cmd/app

# The modules were downloaded in the stage this one is built FROM.
FROM golang:1.26 AS deps
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
FROM deps AS from-deps
COPY . .
RUN go build -o /out/app .

# ... or copied from another stage.
FROM golang:1.26 AS from-mods
WORKDIR /src
COPY --from=deps /go/pkg/mod /go/pkg/mod
COPY . .
RUN go build -o /out/app .

# The install runs in a subshell in another directory: a copy into /app/web is what matters.
FROM node:24-slim AS subshell
WORKDIR /app
# want HS004@6
COPY web/ ./web/
RUN (cd web && npm ci) && npm --version
COPY api/ ./api/
RUN (cd web && npm run build)

# npm --prefix tells npm where the project is.
FROM node:24-slim AS prefix
WORKDIR /app
# want HS004@6
COPY client/ /app/client/
RUN npm ci --prefix client

# The cd of a subshell does not move the commands after it.
FROM node:24-slim AS subshell-cd
WORKDIR /app
COPY tools/ /app/tools/
RUN (cd tools && ./gen.sh) && yarn --version

# An install inside `sh -c`.
FROM python:3.13-slim AS nested
WORKDIR /srv
# want HS004@6
COPY . .
RUN sh -c 'cd /srv && pip install --no-cache-dir -r requirements.txt'

# The requirements file named by an ARG; the directory copied is where pip runs.
FROM python:3.13-slim AS arg
ARG REQS=requirements/prod.txt
WORKDIR /srv
# want HS004@6
COPY app/ .
RUN env PIP_NO_CACHE_DIR=1 pip install -r "$REQS"

# Exec form.
FROM python:3.13-slim AS exec
WORKDIR /srv
# want HS004@6
COPY . .
RUN ["uv", "sync", "--frozen"]

# node_modules come from another stage.
FROM node:24-slim AS from-node-modules
WORKDIR /app
COPY --from=subshell /app/web/node_modules ./node_modules
COPY . .
RUN npm ci --offline
