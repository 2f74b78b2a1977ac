#!/usr/bin/env bash
# Compares mailwhy's bounce classification speed with Sisimai (Perl, Debian libsisimai-perl) on
# the same files: the 5–20 KB bounces of ../shared/conformance/bounces/ plus the fixture bounces
# padded to ~8 KB (the set the criterion bench uses). Both read the files into memory first and
# then classify them in a loop on one core for SECONDS. Not run by CI.
#   apt-get install -y libsisimai-perl
#   bash bench/sisimai-compare.sh [SECONDS]
# PROFILE=profiling builds with symbols and line tables (Cargo.toml's [profile.profiling]), for
# `perf record` of the mailwhy side.
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-3}"
set_dir="$(mktemp -d)"
out_dir="$(mktemp -d)"
trap 'rm -rf "$set_dir" "$out_dir"' EXIT

for f in ../shared/conformance/bounces/samples/*.eml; do
  size=$(stat -c %s "$f")
  if [ "$size" -ge 5120 ] && [ "$size" -le 20480 ]; then cp "$f" "$set_dir/"; fi
done
filler=$(printf 'Lorem ipsum dolor sit amet, consectetur adipiscing elit; the invitation text of a project notification goes here, with a link and a footer.\r\n%.0s' $(seq 60))
for f in fixtures/message/bounce.*.eml; do
  { cat "$f"; printf '%s' "$filler"; } > "$set_dir/$(basename "$f")"
done
echo "set: $(ls "$set_dir" | wc -l) files, $(du -sk "$set_dir" | cut -f1) KB"

profile="${PROFILE:-release}"
cargo build -q --profile "$profile" -p mailwhy --example bounce_throughput
taskset -c 0 ./target/"$profile"/examples/bounce_throughput "$set_dir" "$secs" | tee "$out_dir/mailwhy.out"

taskset -c 0 perl -MSisimai -MTime::HiRes=time -e '
  my ($dir, $secs) = @ARGV;
  opendir(my $d, $dir) or die; my @files = grep { /\.eml$/ } readdir($d); closedir($d);
  my @texts = map { local $/; open(my $fh, "<", "$dir/$_") or die; my $t = <$fh>; $t } @files;
  my ($n, $bounces, $t0) = (0, 0, time);
  while (time - $t0 < $secs) {
    for my $t (@texts) {
      my $mail = "From MAILER-DAEMON Thu Jan  1 00:00:00 2024\n" . $t;
      my $r = Sisimai->make(\$mail, delivered => 1);
      $bounces += scalar(@{ $r // [] }) ? 1 : 0; $n++;
    }
  }
  my $el = time - $t0;
  printf "sisimai %s: %d files, %d classified in %.2fs: %.0f messages/s (%d with results)\n", $Sisimai::VERSION, scalar(@files), $n, $el, $n / $el, $bounces;
' "$set_dir" "$secs" | tee "$out_dir/sisimai.out"

ours=$(sed -E 's/.*: ([0-9]+) messages\/s.*/\1/' "$out_dir/mailwhy.out")
theirs=$(sed -E 's/.*: ([0-9]+) messages\/s.*/\1/' "$out_dir/sisimai.out")
echo "ratio mailwhy / sisimai: $(awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "%.1fx", a / b }')"
