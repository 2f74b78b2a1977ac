//! Runs every sample of ../shared/conformance/bounces/ (real bounces with Sisimai's answers)
//! through the bounce reader and prints a confusion summary. Targets (issue 7): bounce or not
//! right for every sample; the first recipient's reason right for at least 90%; the status
//! code right for at least 95% of the samples whose expected code is not a Sisimai pseudo code.

use std::collections::BTreeMap;

struct Score {
    n: usize,
    bounce_ok: usize,
    reason_ok: usize,
    status_n: usize,
    status_ok: usize,
}

/// The targets: every sample told bounce / not bounce right, reason >= 90%, status >= 95%.
#[test]
fn conformance_bounces() {
    let Some(s) = run() else { return };
    let Score {
        n,
        bounce_ok,
        reason_ok,
        status_n,
        status_ok,
    } = s;
    assert_eq!(
        bounce_ok, n,
        "every sample must be told bounce / not bounce right"
    );
    assert!(
        reason_ok * 100 >= n * 90,
        "reason accuracy {reason_ok}/{n} is under 90%"
    );
    assert!(
        status_ok * 100 >= status_n * 95,
        "status accuracy {status_ok}/{status_n} is under 95%"
    );
}

fn run() -> Option<Score> {
    let shared = mailwhy_tests::shared()?;
    let dir = shared.join("conformance/bounces");
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let expected = expected.as_object().unwrap();
    let (mut n, mut bounce_ok, mut reason_ok, mut status_n, mut status_ok) = (0, 0, 0, 0, 0);
    let mut confusion: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    let mut failures = Vec::new();
    for (file, exp) in expected {
        let raw = std::fs::read(dir.join("samples").join(file)).unwrap();
        let b = mailwhy::bounce::analyze_bytes(&raw).unwrap_or_else(|e| panic!("{file}: {e}"));
        n += 1;
        let exp_bounce = exp["is_bounce"].as_bool().unwrap();
        if b.is_bounce == exp_bounce {
            bounce_ok += 1;
        } else {
            failures.push(format!(
                "{file}: is_bounce {} (expected {exp_bounce})",
                b.is_bounce
            ));
        }
        let exp_reason = exp["reason"].as_str().unwrap_or("none").to_string();
        let got_reason = b
            .recipients
            .first()
            .map(|r| r.reason.name().to_string())
            .unwrap_or_else(|| "none".into());
        let alt_reasons: Vec<String> = exp
            .get("p5_sisimai_v5_1_0_expected")
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|e| e["reason"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        let reason_right = got_reason == exp_reason || alt_reasons.first() == Some(&got_reason);
        if reason_right {
            reason_ok += 1;
        } else {
            failures.push(format!(
                "{file}: reason {got_reason} (expected {exp_reason})"
            ));
        }
        confusion
            .entry((exp_reason, got_reason))
            .or_default()
            .push(file.clone());
        if let Some(s) = exp["status"].as_str() {
            if !exp["status_is_pseudo"].as_bool().unwrap_or(false) {
                status_n += 1;
                let got = b.recipients.first().and_then(|r| r.status.clone());
                if got.as_deref() == Some(s) {
                    status_ok += 1;
                } else {
                    failures.push(format!("{file}: status {got:?} (expected {s})"));
                }
            }
        }
    }
    println!("bounce conformance: {n} samples");
    println!("  bounce / not bounce right: {bounce_ok}/{n}");
    println!(
        "  first-recipient reason right: {reason_ok}/{n} ({:.1}%)",
        100.0 * reason_ok as f64 / n as f64
    );
    println!(
        "  non-pseudo status right: {status_ok}/{status_n} ({:.1}%)",
        100.0 * status_ok as f64 / status_n as f64
    );
    println!("  confusion (expected -> got: count):");
    for ((e, g), files) in &confusion {
        if e != g {
            println!(
                "    {e:>16} -> {g:<16} {}  {}",
                files.len(),
                files.join(" ")
            );
        }
    }
    for f in &failures {
        println!("  miss: {f}");
    }
    Some(Score {
        n,
        bounce_ok,
        reason_ok,
        status_n,
        status_ok,
    })
}
