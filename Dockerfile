# Multi-stage build: a static binary (no cgo: SQLite is pure Go) in a
# non-root runtime image with nothing else in it.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath \
    -ldflags "-s -w -X tbaportal/internal/app.Version=${VERSION}" \
    -o /out/portal ./cmd/portal \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/portal /usr/local/bin/portal
COPY --from=build --chown=65532:65532 /out/data /data
ENV PORTAL_DATA_DIR=/data \
    PORTAL_ADDR=:8443 \
    PORTAL_LOG_FORMAT=json
USER 65532:65532
EXPOSE 8443
VOLUME ["/data"]
HEALTHCHECK NONE
ENTRYPOINT ["/usr/local/bin/portal"]
CMD ["serve"]
