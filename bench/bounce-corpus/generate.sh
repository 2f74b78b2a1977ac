#!/usr/bin/env bash
# Generates the bounce corpus of fixtures/bounces/generated/: real MTAs on loopback, made to bounce
# for known causes against bench/bounce-corpus/responder.py (the providers' real reply texts), so
# that each bounce's reason is known by construction. Writes <mta>/<provider>-<cause>.eml and
# labels.tsv; `--check` compares a fresh run with the checked-in labels instead (CI).
#
# MTAs: Postfix (Debian package `postfix`, run as a private instance: its own config, queue and
# ports in a temp dir, `postfix -c DIR start`). Exim and OpenSMTPD are not generated yet.
# Needs root (Postfix's master drops to the `postfix` user) and python3. About a minute: the
# 4xx causes wait for a queue lifetime shortened to seconds.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=fixtures/bounces/generated
check=false
[ "${1:-}" = "--check" ] && check=true

command -v postconf >/dev/null || { echo "generate.sh: postfix is not installed (apt-get install postfix)" >&2; exit 2; }
work="$(mktemp -d /tmp/bounce-corpus.XXXXXX)"
chmod 755 "$work"
pids=()
cleanup() {
  postfix -c "$work/etc" stop >/dev/null 2>&1 || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
[ -n "${KEEP:-}" ] || trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rport=$(free_port); tport=$(free_port); inport=$(free_port)
mkdir -p "$work/bounces" "$work/etc" "$work/spool" "$work/data"
python3 bench/bounce-corpus/responder.py "$rport,$tport" "$work/bounces" &
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
tls.test smtp:[127.0.0.1]:$tport
refused.test smtp:[127.0.0.1]:1
* smtp:[127.0.0.1]:$rport
TR
echo "[127.0.0.1]:$tport encrypt" > "$work/etc/tls_policy"
chown postfix "$work/data"
postfix -c "$work/etc" set-permissions >/dev/null 2>&1 || true
postfix -c "$work/etc" check >/dev/null 2>&1 || true
postfix -c "$work/etc" start >"$work/start.log" 2>&1 || { cat "$work/start.log" "$work/maillog" >&2 2>/dev/null; exit 1; }

# The causes: the responder's table, and the two Postfix makes itself.
mapfile -t rows < <(python3 bench/bounce-corpus/responder.py --labels)
rows+=($'postfix-tlsrequired\tfailedstarttls' $'postfix-refused\texpired')
python3 - "$inport" "${rows[@]}" <<'PY'
import smtplib, sys, time
port, rows = int(sys.argv[1]), sys.argv[2:]
for _ in range(50):
    try:
        s = smtplib.SMTP("127.0.0.1", port, timeout=10); break
    except OSError:
        time.sleep(0.2)
for row in rows:
    key = row.split("\t")[0]
    provider = key.split("-")[0]
    domain = {"postfix-tlsrequired": "tls.test", "postfix-refused": "refused.test"}.get(key, provider + ".test")
    rcpt = f"{key}@{domain}"
    msg = (f"From: Vendor Notifications <notifications@collector.test>\r\nTo: <{rcpt}>\r\n"
           f"Subject: You have been invited to a project\r\nMessage-ID: <{key}@vendor.test>\r\n"
           f"Date: Sat, 05 Dec 2026 10:00:00 +0000\r\n\r\nHello, you have been invited.\r\n")
    s.sendmail("notifications@collector.test", [rcpt], msg)
s.quit()
PY

# Wait for one bounce per cause (the 4xx ones after the queue lifetime).
want=${#rows[@]}
for _ in $(seq 120); do
  [ "$(ls "$work/bounces" | wc -l)" -ge "$want" ] && break
  sleep 1
done

dest="$out/postfix"
$check && dest="$work/check/postfix"
mkdir -p "$dest"
labels="$work/labels.tsv"
: > "$labels"
for row in "${rows[@]}"; do
  key="${row%%$'\t'*}"; label="${row#*$'\t'}"
  f=$(grep -l -- "$key@" "$work"/bounces/*.eml 2>/dev/null | head -1 || true)
  if [ -z "$f" ]; then echo "generate.sh: postfix gave no bounce for $key" >&2; continue; fi
  cause="${key#*-}"; provider="${key%%-*}"
  cp "$f" "$dest/$cause-$provider.eml"
  printf 'postfix/%s\ttrue\t%s\n' "$cause-$provider.eml" "$label" >> "$labels"
done
sort -o "$labels" "$labels"

header=$'# path\tis_bounce\treason (known by construction: bench/bounce-corpus/generate.sh)'
if $check; then
  if diff <(grep -v '^#' "$out/labels.tsv") "$labels"; then
    echo "generate.sh: the regenerated corpus has the checked-in labels"
  else
    echo "generate.sh: the regenerated corpus differs from $out/labels.tsv" >&2; exit 1
  fi
else
  { echo "$header"; cat "$labels"; } > "$out/labels.tsv"
  echo "generate.sh: $(grep -vc '^#' "$out/labels.tsv") bounces in $out"
fi
