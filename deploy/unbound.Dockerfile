# The shared resolver of docs/deploy.md: Debian's Unbound (the version the tests run against).
# Build: docker build -f deploy/unbound.Dockerfile -t mailwhy-unbound deploy
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends unbound ca-certificates \
 && rm -rf /var/lib/apt/lists/*
ENTRYPOINT ["unbound"]
CMD ["-d", "-c", "/etc/unbound/unbound.conf"]
