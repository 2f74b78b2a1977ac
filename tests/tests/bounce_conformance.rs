//! Bounce reading measured on three sets, reported separately so that a rule fitted to one set
//! shows as a gap between them:
//!
//! - **development**: the half of ../shared/conformance/bounces/ (real bounces with Sisimai's
//!   answers) whose file name hashes even ([`is_development`]: FNV-1a 64 of the file name);
//!   rules are written against these files only;
//! - **validation**: the other half, looked at only to measure (never to write a rule);
//! - **generated**: fixtures/bounces/generated/, bounces made by real MTAs (Postfix, Exim,
//!   OpenSMTPD) on loopback for known causes (bench/bounce-corpus/generate.sh), each labelled by
//!   construction in fixtures/bounces/generated/labels.tsv.
//!
//! The split is fixed by the file name alone, so it never moves when files are added or the
//! rules change. Bounds (issue 18): bounce or not right on every file of every set; the
//! validation half's reason agreement at least 90% and within 5 points of the development half;
//! the generated corpus at least 95%; the status code right for at least 95% of the samples
//! whose expected code is not a Sisimai pseudo code.

use std::collections::BTreeMap;
use std::path::Path;

/// FNV-1a 64 of `name`: a fixed, documented hash (no std hasher, whose output may change).
fn fnv1a(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The development half: file names whose FNV-1a 64 hash is even (55 of the 103 files).
fn is_development(file: &str) -> bool {
    fnv1a(file).is_multiple_of(2)
}

/// What one file should read as.
struct Expected {
    is_bounce: bool,
    /// The first recipient's reason (`none` for a message that is no bounce at all), and the
    /// older Sisimai's answer where the two Sisimai versions differ.
    reasons: Vec<String>,
    /// The RFC 3463 code, when the answer has a real (not pseudo) one.
    status: Option<String>,
}

#[derive(Default)]
struct Score {
    n: usize,
    bounce_ok: usize,
    reason_ok: usize,
    status_n: usize,
    status_ok: usize,
    confusion: BTreeMap<(String, String), Vec<String>>,
    misses: Vec<String>,
}

impl Score {
    fn percent(&self) -> f64 {
        100.0 * self.reason_ok as f64 / self.n.max(1) as f64
    }

    fn add(&mut self, file: &str, raw: &[u8], exp: &Expected) {
        let b = mailwhy::bounce::analyze_bytes(raw).unwrap_or_else(|e| panic!("{file}: {e}"));
        self.n += 1;
        if b.is_bounce == exp.is_bounce {
            self.bounce_ok += 1;
        } else {
            self.misses.push(format!(
                "{file}: is_bounce {} (expected {})",
                b.is_bounce, exp.is_bounce
            ));
        }
        let first = b.recipients.first();
        let got = first.map_or("none".to_string(), |r| r.reason.name().to_string());
        if exp.reasons.contains(&got) {
            self.reason_ok += 1;
        } else {
            let rule = first.map(|r| r.rule.to_string()).unwrap_or_default();
            self.misses.push(format!(
                "{file}: reason {got} (expected {}) by {rule}",
                exp.reasons[0]
            ));
        }
        self.confusion
            .entry((exp.reasons[0].clone(), got))
            .or_default()
            .push(file.to_string());
        if let Some(s) = &exp.status {
            self.status_n += 1;
            let got = first.and_then(|r| r.status.clone());
            if got.as_deref() == Some(s) {
                self.status_ok += 1;
            } else {
                self.misses
                    .push(format!("{file}: status {got:?} (expected {s})"));
            }
        }
    }

    fn print(&self, name: &str) {
        println!("{name}: {} files", self.n);
        println!("  bounce / not bounce right: {}/{}", self.bounce_ok, self.n);
        println!(
            "  first-recipient reason right: {}/{} ({:.1}%)",
            self.reason_ok,
            self.n,
            self.percent()
        );
        if self.status_n > 0 {
            println!(
                "  non-pseudo status right: {}/{}",
                self.status_ok, self.status_n
            );
        }
        for ((e, g), files) in &self.confusion {
            if e != g {
                println!(
                    "    {e:>16} -> {g:<16} {}  {}",
                    files.len(),
                    files.join(" ")
                );
            }
        }
        for m in &self.misses {
            println!("  miss: {m}");
        }
    }
}

/// The Sisimai samples, split into the development and the validation half.
fn shared_sets(dir: &Path) -> (Score, Score) {
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let (mut dev, mut val) = (Score::default(), Score::default());
    for (file, exp) in expected.as_object().unwrap() {
        let mut reasons = vec![exp["reason"].as_str().unwrap_or("none").to_string()];
        if let Some(alt) = exp
            .get("p5_sisimai_v5_1_0_expected")
            .and_then(|v| v.as_array())
            .and_then(|a| a.first())
            .and_then(|e| e["reason"].as_str())
        {
            reasons.push(alt.to_string());
        }
        let status = exp["status"]
            .as_str()
            .filter(|_| !exp["status_is_pseudo"].as_bool().unwrap_or(false))
            .map(str::to_string);
        let e = Expected {
            is_bounce: exp["is_bounce"].as_bool().unwrap(),
            reasons,
            status,
        };
        let raw = std::fs::read(dir.join("samples").join(file)).unwrap();
        let set = if is_development(file) {
            &mut dev
        } else {
            &mut val
        };
        set.add(file, &raw, &e);
    }
    (dev, val)
}

/// The generated corpus: `labels.tsv` lines `<path>\t<is_bounce>\t<reason>` (path relative to
/// the folder; `#` starts a comment).
fn generated_set(dir: &Path) -> Score {
    let mut s = Score::default();
    let labels = dir.join("labels.tsv");
    let text =
        std::fs::read_to_string(&labels).unwrap_or_else(|e| panic!("{}: {e}", labels.display()));
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let [file, is_bounce, reason] = cols[..] else {
            panic!(
                "{}:{}: expected path, is_bounce, reason",
                labels.display(),
                i + 1
            );
        };
        let raw = std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let e = Expected {
            is_bounce: is_bounce == "true",
            reasons: vec![reason.to_string()],
            status: None,
        };
        s.add(file, &raw, &e);
    }
    s
}

/// The bounds on all three sets.
#[test]
fn conformance_bounces() {
    let Some(shared) = mailwhy_tests::shared() else {
        return;
    };
    let (dev, val) = shared_sets(&shared.join("conformance/bounces"));
    let generated = generated_set(&mailwhy_tests::workspace().join("fixtures/bounces/generated"));
    dev.print("development half (rules are written against it)");
    val.print("validation half (measured only)");
    generated.print("generated corpus (real MTAs on loopback)");
    for (name, s) in [
        ("development", &dev),
        ("validation", &val),
        ("generated", &generated),
    ] {
        assert_eq!(
            s.bounce_ok, s.n,
            "{name}: every file must be told bounce / not bounce right"
        );
    }
    assert!(
        val.percent() >= 90.0,
        "validation reason agreement {:.1}% is under 90%",
        val.percent()
    );
    assert!(
        (val.percent() - dev.percent()).abs() <= 5.0,
        "validation {:.1}% and development {:.1}% differ by more than 5 points",
        val.percent(),
        dev.percent()
    );
    assert!(generated.n > 0, "the generated corpus is empty");
    assert!(
        generated.percent() >= 95.0,
        "generated reason agreement {:.1}% is under 95%",
        generated.percent()
    );
    let (status_ok, status_n) = (dev.status_ok + val.status_ok, dev.status_n + val.status_n);
    assert!(
        status_ok * 100 >= status_n * 95,
        "status accuracy {status_ok}/{status_n} is under 95%"
    );
}

#[test]
fn the_split_is_the_documented_one() {
    // FNV-1a 64 test vectors, and the split's size on the shared corpus.
    assert_eq!(fnv1a(""), 0xcbf2_9ce4_8422_2325);
    assert_eq!(fnv1a("a"), 0xaf63_dc4c_8601_ec8c);
    let Some(shared) = mailwhy_tests::shared() else {
        return;
    };
    let (dev, val) = shared_sets(&shared.join("conformance/bounces"));
    assert_eq!((dev.n, val.n), (55, 48));
}
