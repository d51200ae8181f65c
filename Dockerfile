# opsdesk: release build on the Rust image, run on Debian slim as an unprivileged user.
#
#   docker build -t opsdesk .
#   docker run -d -p 8080:8080 -v opsdesk-data:/data opsdesk            # SQLite in the volume
#   docker run -d -p 8080:8080 -e DATABASE_URL=postgres://u:p@db/opsdesk opsdesk
#   echo 'a long passphrase' | docker run --rm -i -v opsdesk-data:/data opsdesk users create --email a@example.com --role admin
#
# SQLite, libpq and OpenSSL are compiled into the binary, so the runtime image needs only glibc
# and CA certificates.

FROM rust:1-bookworm AS build
WORKDIR /src

# Dependencies first, against placeholder sources: this layer is rebuilt only when Cargo.toml,
# Cargo.lock or build.rs change, not on every source edit.
COPY Cargo.toml Cargo.lock build.rs ./
RUN mkdir src \
    && echo 'fn main() {}' > src/main.rs \
    && touch src/lib.rs \
    && cargo build --release --locked \
    && rm -rf src

# The real sources. COPY keeps the files' own modification times, which can be older than the
# placeholder build: touch the crate roots so that cargo rebuilds opsdesk itself.
COPY src ./src
COPY migrations ./migrations
RUN touch src/main.rs src/lib.rs \
    && cargo build --release --locked \
    && cp target/release/opsdesk /usr/local/bin/opsdesk \
    && /usr/local/bin/opsdesk --version

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 opsdesk \
    && useradd --system --uid 10001 --gid 10001 --home-dir /data --no-create-home --shell /usr/sbin/nologin opsdesk \
    && mkdir -p /data \
    && chown 10001:10001 /data
COPY --from=build /usr/local/bin/opsdesk /usr/local/bin/opsdesk

ENV DATABASE_URL=/data/opsdesk.db \
    OPSDESK_BIND=0.0.0.0:8080 \
    RUST_LOG=info
WORKDIR /data
VOLUME ["/data"]
# Numeric, so that orchestrators enforcing runAsNonRoot can verify it.
USER 10001:10001
EXPOSE 8080

# The slim image has no curl: bash (always present in Debian) speaks just enough HTTP/1.0 to the
# readiness probe on the port of OPSDESK_BIND. 200 means the database answers.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${OPSDESK_BIND##*:} && printf 'GET /health/ready HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]

ENTRYPOINT ["/usr/local/bin/opsdesk"]
CMD ["serve"]
