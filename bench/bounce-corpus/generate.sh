#!/usr/bin/env bash
# Generates the bounce corpus of fixtures/bounces/generated/: real MTAs on loopback, made to bounce
# for known causes against bench/bounce-corpus/responder.py (the providers' real reply texts), so
# that each bounce's reason is known by construction. Writes <mta>/<provider>-<cause>.eml and
# labels.tsv; `--check` compares a fresh run with the checked-in labels instead (CI).
#
# MTAs: Postfix (Debian package `postfix`, run as a private instance: its own config, queue and
# ports in a temp dir, `postfix -c DIR start`) and Exim (Debian `exim4-daemon-light`, which
# conflicts with `postfix` as `mail-transport-agent`: fetched with `apt-get download` and unpacked
# with `dpkg-deb -x` into $MTA_ROOT, default target/bounce-mtas, then run from there with
# `-C CONFIG` on a loopback port) and OpenSMTPD (Debian `opensmtpd`, unpacked the same way, run in
# a private mount namespace, see below). Needs root (Postfix's master drops to the `postfix` user, Exim
# to `Debian-exim`, which is created if missing) and python3. About a minute: the 4xx causes
# wait for a queue lifetime shortened to seconds.
#
# Each bounce is normalised (normalise.py) so that a regeneration gives the same bytes: dates,
# queue ids, message ids, boundaries and ports are replaced by fixed values; `--check` compares
# the labels and every file.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=fixtures/bounces/generated
check=false
[ "${1:-}" = "--check" ] && check=true

command -v postconf >/dev/null || { echo "generate.sh: postfix is not installed (apt-get install postfix)" >&2; exit 2; }
work="$(mktemp -d /tmp/bounce-corpus.XXXXXX)"
chmod 755 "$work"
pids=()
exim_pid=
smtpd_pid=
cleanup() {
  postfix -c "$work/etc" stop >/dev/null 2>&1 || true
  [ -n "$exim_pid" ] && kill "$exim_pid" 2>/dev/null || true
  [ -n "$smtpd_pid" ] && kill "$smtpd_pid" 2>/dev/null || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
[ -n "${KEEP:-}" ] || trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rport=$(free_port); tport=$(free_port); inport=$(free_port); eport=$(free_port); oport=$(free_port)
mkdir -p "$work/bounces" "$work/etc" "$work/spool" "$work/data"
# The responder; its port that offers no STARTTLS is on 127.0.0.2 (see responder.py).
python3 bench/bounce-corpus/responder.py "$rport,127.0.0.2:$tport" "$work/bounces" &
pids+=($!)

# --- Postfix: a private instance -----------------------------------------------------------
cp /etc/postfix/master.cf "$work/etc/master.cf"
# No chroot (the queue is in the temp dir), and the SMTP server on a loopback port.
python3 - "$work/etc/master.cf" "$inport" <<'PY'
import sys
p, port = sys.argv[1], sys.argv[2]
out = []
for line in open(p):
    f = line.split()
    if f and not line[0].isspace() and not line.startswith("#") and len(f) >= 8:
        if f[0] == "smtp" and f[1] == "inet":
            f[0] = "127.0.0.1:" + port
        f[4] = "n"
        line = " ".join(f) + "\n"
    out.append(line)
open(p, "w").writelines(out)
PY
cat > "$work/etc/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $work/spool
data_directory = $work/data
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mta-postfix.test
mydomain = mta-postfix.test
myorigin = mta-postfix.test
mydestination =
relay_domains =
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
alias_maps =
alias_database =
local_recipient_maps =
transport_maps = texthash:$work/etc/transport
smtp_tls_policy_maps = texthash:$work/etc/tls_policy
smtp_tls_security_level = may
smtp_host_lookup = native
maximal_queue_lifetime = 15s
bounce_queue_lifetime = 15s
queue_run_delay = 2s
minimal_backoff_time = 2s
maximal_backoff_time = 3s
smtp_connect_timeout = 3s
maillog_file = $work/maillog
maillog_file_prefixes = $work
smtputf8_enable = no
biff = no
CF
cat > "$work/etc/transport" <<TR
tls.test smtp:[127.0.0.2]:$tport
refused.test smtp:[127.0.0.1]:1
nohost.invalid smtp:[nohost.invalid]
* smtp:[127.0.0.1]:$rport
TR
echo "[127.0.0.2]:$tport encrypt" > "$work/etc/tls_policy"
chown postfix "$work/data"
postfix -c "$work/etc" set-permissions >/dev/null 2>&1 || true
postfix -c "$work/etc" check >/dev/null 2>&1 || true
postfix -c "$work/etc" start >"$work/start.log" 2>&1 || { cat "$work/start.log" "$work/maillog" >&2 2>/dev/null; exit 1; }

# --- Exim: unpacked from the Debian packages, run from $MTA_ROOT ------------------------------
mta_root="${MTA_ROOT:-$PWD/target/bounce-mtas}"
exim="$mta_root/usr/sbin/exim4"
if [ ! -x "$exim" ]; then
  mkdir -p "$mta_root/debs"
  (cd "$mta_root/debs" && apt-get download exim4-daemon-light exim4-base exim4-config >/dev/null) \
    || { echo "generate.sh: apt-get download exim4-daemon-light exim4-base exim4-config failed" >&2; exit 2; }
  for d in "$mta_root"/debs/*.deb; do dpkg-deb -x "$d" "$mta_root"; done
fi
# The user the Debian build drops to (the package's postinst would have made it).
getent passwd Debian-exim >/dev/null \
  || useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin Debian-exim
mkdir -p "$work/exim/spool"
chown -R Debian-exim "$work/exim/spool"
# One router per special domain (TLS required, connection refused, a host that does not resolve:
# looked up in DNS like any remote domain: .invalid never exists, RFC 6761), everything else to
# the responder; retries end after 15 s like Postfix's queue lifetime.
cat > "$work/exim/exim.conf" <<CF
exim_path = $exim
keep_environment =
primary_hostname = mta-exim.test
qualify_domain = mta-exim.test
spool_directory = $work/exim/spool
log_file_path = $work/exim/spool/%slog
exim_user = Debian-exim
exim_group = Debian-exim
never_users =
trusted_users = root
host_lookup =
rfc1413_hosts =
tls_advertise_hosts =
daemon_smtp_ports = $eport
local_interfaces = 127.0.0.1
acl_smtp_rcpt = acl_rcpt
begin acl
acl_rcpt:
  accept hosts = 127.0.0.1
  deny
begin routers
tls:
  driver = manualroute
  self = send
  domains = tls.test
  route_list = * 127.0.0.2
  transport = remote_tls
refused:
  driver = manualroute
  self = send
  domains = refused.test
  route_list = * 127.0.0.1
  transport = remote_refused
nohost:
  driver = dnslookup
  domains = nohost.invalid
  transport = remote
  no_more
all:
  driver = manualroute
  self = send
  route_list = * 127.0.0.1
  transport = remote
begin transports
remote:
  driver = smtp
  port = $rport
remote_tls:
  driver = smtp
  port = $tport
  hosts_require_tls = *
remote_refused:
  driver = smtp
  port = 1
begin retry
* * F,15s,2s
CF
"$exim" -C "$work/exim/exim.conf" -bd -q2s -oX "$eport" -oP "$work/exim/pid" 2>"$work/exim/start.log" \
  || { cat "$work/exim/start.log" >&2; exit 1; }
for _ in $(seq 50); do [ -s "$work/exim/pid" ] && break; sleep 0.1; done
exim_pid=$(cat "$work/exim/pid" 2>/dev/null || true)

# --- OpenSMTPD: unpacked from the Debian package, run from $MTA_ROOT ---------------------------
# Its spool (/var/spool/smtpd), chroot (/var/lib/opensmtpd/empty) and control socket (/run) are
# compiled in: it runs in a private mount and UTS namespace (unshare) where those are fresh
# tmpfs mounts and the host name is mta-opensmtpd.test, so nothing of the host is touched.
smtpd="$mta_root/usr/sbin/smtpd"
if [ ! -x "$smtpd" ]; then
  mkdir -p "$mta_root/debs"
  (cd "$mta_root/debs" && apt-get download opensmtpd >/dev/null) \
    || { echo "generate.sh: apt-get download opensmtpd failed" >&2; exit 2; }
  dpkg-deb -x "$mta_root"/debs/opensmtpd_*.deb "$mta_root"
fi
for u in opensmtpd opensmtpq; do
  getent passwd "$u" >/dev/null \
    || useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$u"
done
mkdir -p "$work/opensmtpd"
# The failing destinations are on loopback addresses of their own: OpenSMTPD disables a route
# that fails, and the bounces must still reach the responder on 127.0.0.1.
cat > "$work/opensmtpd/smtpd.conf" <<CF
queue ttl 15s
bounce warn-interval 1h
listen on 127.0.0.1 port $oport
action "responder" relay host smtp://127.0.0.1:$rport
action "tls" relay host smtp+tls://127.0.0.2:$tport
action "refused" relay host smtp://127.0.0.3:1
action "mx" relay
match from any for domain "tls.test" action "tls"
match from any for domain "refused.test" action "refused"
match from any for domain "nohost.invalid" action "mx"
match from any for any action "responder"
CF
unshare -m -u --propagation private sh -c "mount -t tmpfs tmpfs /var/spool && mount -t tmpfs tmpfs /var/lib \
  && mount -t tmpfs tmpfs /run && mkdir -p /var/lib/opensmtpd/empty && hostname mta-opensmtpd.test \
  && exec '$smtpd' -d -f '$work/opensmtpd/smtpd.conf'" >"$work/opensmtpd/log" 2>&1 &
smtpd_pid=$!

# The causes: the responder's table, and the three each MTA makes itself (TLS required towards a
# responder port that offers no STARTTLS, connection refused, a host name that does not resolve).
mapfile -t table < <(python3 bench/bounce-corpus/responder.py --labels)
# Exim defers a delivery whose TLS is required but not offered and, after its retry timeout,
# bounces with "retry timeout exceeded" and no word of TLS: that bounce reads as expired.
own=($'tlsrequired\tfailedstarttls' $'refused\texpired' $'nohost\thostunknown')
# OpenSMTPD, the same: its final notice says "Envelope expired" (Status 4.4.7).
declare -A own_label=([exim-tlsrequired]=expired [opensmtpd-tlsrequired]=expired)
mtas=(postfix exim opensmtpd)
declare -A port=([postfix]=$inport [exim]=$eport [opensmtpd]=$oport)
rows=()
for m in "${mtas[@]}"; do
  for r in "${table[@]}"; do rows+=("$m"$'\t'"$r"); done
  for r in "${own[@]}"; do
    key="$m-${r%%$'\t'*}"
    rows+=("$m"$'\t'"$key"$'\t'"${own_label[$key]:-${r#*$'\t'}}")
  done
done

# The recipient is <provider>-<cause>+<mta>@<domain>: the responder reads the part before `+`,
# the tag tells the bounces of the MTAs apart.
send() {
  python3 - "$1" "$2" "${table[@]}" "${own[@]/#/$2-}" <<'PY'
import smtplib, sys, time
port, mta, rows = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
for _ in range(50):
    try:
        s = smtplib.SMTP("127.0.0.1", port, timeout=10); break
    except OSError:
        time.sleep(0.2)
special = {"tlsrequired": "tls.test", "refused": "refused.test", "nohost": "nohost.invalid"}
for row in rows:
    key = row.split("\t")[0]
    provider, _, cause = key.partition("-")
    domain = special.get(cause, provider + ".test") if provider == mta else provider + ".test"
    rcpt = f"{key}+{mta}@{domain}"
    msg = (f"From: Vendor Notifications <notifications@collector.test>\r\nTo: <{rcpt}>\r\n"
           f"Subject: You have been invited to a project\r\nMessage-ID: <{key}@vendor.test>\r\n"
           f"Date: Sat, 05 Dec 2026 10:00:00 +0000\r\n\r\nHello, you have been invited.\r\n")
    s.sendmail("notifications@collector.test", [rcpt], msg)
s.quit()
PY
}
for m in "${mtas[@]}"; do send "${port[$m]}" "$m"; done

# Wait for one bounce per cause (the 4xx ones after the queue lifetime).
want=${#rows[@]}
for _ in $(seq 150); do
  [ "$(ls "$work/bounces" | wc -l)" -ge "$want" ] && break
  sleep 1
done

root="$out"
$check && root="$work/check"
labels="$work/labels.tsv"
: > "$labels"
missing=0
for row in "${rows[@]}"; do
  IFS=$'\t' read -r m key label <<<"$row"
  f=$(grep -l -- "$key+$m@" "$work"/bounces/*.eml 2>/dev/null | head -1 || true)
  if [ -z "$f" ]; then echo "generate.sh: $m gave no bounce for $key" >&2; missing=1; continue; fi
  cause="${key#*-}"; provider="${key%%-*}"
  mkdir -p "$root/$m"
  python3 bench/bounce-corpus/normalise.py "$m" "$rport" "$tport" "$inport" "$eport" <"$f" >"$root/$m/$cause-$provider.eml"
  printf '%s/%s\ttrue\t%s\n' "$m" "$cause-$provider.eml" "$label" >> "$labels"
done
sort -o "$labels" "$labels"

header=$'# path\tis_bounce\treason (known by construction: bench/bounce-corpus/generate.sh)'
if $check; then
  status=$missing
  diff <(grep -v '^#' "$out/labels.tsv") "$labels" || status=1
  for m in "${mtas[@]}"; do diff -r "$out/$m" "$root/$m" || status=1; done
  if [ "$status" = 0 ]; then
    echo "generate.sh: the regenerated corpus is the checked-in one (labels and files)"
  else
    echo "generate.sh: the regenerated corpus differs from $out" >&2; exit 1
  fi
else
  { echo "$header"; cat "$labels"; } > "$out/labels.tsv"
  echo "generate.sh: $(grep -vc '^#' "$out/labels.tsv") bounces in $out"
  [ "$missing" = 0 ] || exit 1
fi
