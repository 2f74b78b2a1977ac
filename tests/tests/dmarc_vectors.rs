//! Runs every vector of `../shared/conformance/dmarc/dmarc-record-vectors.json` (transcribed from
//! the unit tests of mox, mail-auth and checkdmarc) through our DMARC parser, prints agreement per
//! source, and requires (a) at least 95% agreement overall and (b) that the disagreements are
//! exactly the ones listed in [`DISAGREEMENTS`], each with the reading of the RFC we follow.
//!
//! How a vector is judged:
//! - `kind = record`: `dmarc::parse`. `invalid` agrees with a parse error; `not-dmarc` with a
//!   parse error on a string that [`dmarc::select`] does not take for a DMARC record at all;
//!   `valid` with a parsed record whose fields match `expected_fields` in that source's
//!   vocabulary (see the README); `valid-with-warning` with a parsed record that carries a note
//!   of the kind the expected warning names.
//! - `kind = txt-rrset`: `dmarc::select` then `parse`; `error` agrees when no usable policy
//!   results (no record, several records, or one that does not parse).

use mailwhy::auth::dmarc::{self, DmarcRecord, NoteKind, Selection};
use serde_json::{json, Value};

/// Every vector we disagree with, and why (the reading of the RFC we follow).
const DISAGREEMENTS: &[(&str, &str)] = &[
    (
        "checkdmarc-008",
        "p=foo with a valid rua: RFC 9989 §4.10.1 step 6 (as RFC 7489 §6.6.3) says a record without a valid p but with a valid \
         rua URI is treated as p=none (mox agrees, vectors mox-036/037); checkdmarc (DMARCbis) \
         calls it invalid. We parse it as p=none and still report dmarc.syntax-error (error).",
    ),
    (
        "mox-009",
        "p after sp: RFC 7489 §6.3 said v and p MUST appear in that order (mox rejects it); RFC \
         9989 §4.8 lets the tags after v come in any order (checkdmarc-036 agrees). We follow RFC \
         9989: the record is read, with a PolicyNotFirst note (a warning) for RFC 7489 receivers.",
    ),
    (
        "checkdmarc-040",
        "An unrelated TXT record beside the DMARC record: RFC 7489 §6.6.3 step 2 discards records \
         that do not start with v=DMARC1, so the DMARC record applies. checkdmarc's strict mode \
         raises an error; the issue also asks that non-DMARC TXT records be ignored.",
    ),
    (
        "mail-auth-005",
        "\"!10 K\" (space between the size and its unit): the RFC 7489 ABNF is \
         URI [ \"!\" 1*DIGIT [ \"k\" / \"m\" / \"g\" / \"t\" ] ], no whitespace inside the size, \
         so we report a syntax error in rua. (The vector also expects mail-auth's own decoding of \
         user%20@example.com to user@example.com.)",
    ),
];

fn pol(p: dmarc::Policy) -> Value {
    json!(p.as_str())
}

fn mode(m: dmarc::AlignmentMode) -> Value {
    json!(match m {
        dmarc::AlignmentMode::Relaxed => "r",
        dmarc::AlignmentMode::Strict => "s",
    })
}

fn fo(r: &DmarcRecord) -> Vec<String> {
    r.failure_options()
        .iter()
        .map(|o| {
            match o {
                dmarc::FailureOption::All => "0",
                dmarc::FailureOption::Any => "1",
                dmarc::FailureOption::Dkim => "d",
                dmarc::FailureOption::Spf => "s",
            }
            .to_string()
        })
        .collect()
}

fn psd(p: dmarc::Psd) -> &'static str {
    match p {
        dmarc::Psd::Y => "y",
        dmarc::Psd::N => "n",
        dmarc::Psd::U => "u",
    }
}

/// Our value of `field` in the vocabulary of `source` (README "expected_fields vocabulary").
fn ours(source: &str, field: &str, r: &DmarcRecord) -> Value {
    match (source, field) {
        (_, "v") => json!("DMARC1"),
        (_, "p") => pol(r.p),
        ("mox", "sp") => r.sp.map(pol).unwrap_or(Value::Null),
        (_, "sp") => pol(r.subdomain_policy()),
        (_, "np") => pol(r.nonexistent_policy()),
        (_, "adkim") => mode(r.dkim_alignment()),
        (_, "aspf") => mode(r.spf_alignment()),
        (_, "ri") => json!(r.report_interval()),
        (_, "pct") => json!(r.percent()),
        (_, "rf") => json!(r.report_formats()),
        ("mail-auth", "fo") => {
            let mut v = fo(r);
            v.sort();
            json!(v)
        }
        (_, "fo") => json!(fo(r)),
        ("mail-auth", "rua" | "ruf") => {
            let list = if field == "rua" { &r.rua } else { &r.ruf };
            json!(list
                .iter()
                .map(|u| json!({"address": u.mailto_address().unwrap_or(&u.uri), "max_size_bytes": u.max_size_bytes.unwrap_or(0)}))
                .collect::<Vec<_>>())
        }
        (_, "rua" | "ruf") => {
            let list = if field == "rua" { &r.rua } else { &r.ruf };
            json!(list
                .iter()
                .map(|u| json!({"uri": u.uri, "max_size": u.max_size}))
                .collect::<Vec<_>>())
        }
        ("mail-auth", "psd") => json!(r.psd.map(psd).unwrap_or("default")),
        (_, "psd") => json!(psd(r.public_suffix())),
        ("mail-auth", "t") => json!(r.testing()),
        (_, "t") => json!(if r.testing() { "y" } else { "n" }),
        _ => panic!("field {field} of source {source} has no mapping"),
    }
}

fn expected_value(source: &str, field: &str, v: &Value) -> Value {
    if source == "mail-auth" && field == "fo" {
        let mut list: Vec<String> = serde_json::from_value(v.clone()).unwrap();
        list.sort();
        return json!(list);
    }
    v.clone()
}

/// The note kind an expected checkdmarc warning names.
fn warning_kind(w: &str) -> NoteKind {
    if w.contains("removed in RFC 9989") {
        NoteKind::RemovedInDmarcbis
    } else if w.contains("missing p tag") {
        NoteKind::PolicyMissing
    } else if w.contains("Unknown DMARC tag") {
        NoteKind::UnknownTag
    } else if w.contains("redundant") {
        NoteKind::RedundantFailureOption
    } else if w.contains("sp tag value of none") {
        NoteKind::WeakSubdomainPolicy
    } else if w.contains("does not immediately follow") {
        NoteKind::PolicyNotFirst
    } else {
        panic!("no note kind for the expected warning {w:?}")
    }
}

/// Judges one vector: `Ok(())` when we agree, `Err(what we said)` otherwise.
fn judge(v: &Value) -> Result<(), String> {
    let source = v["source"].as_str().unwrap();
    let expect = v["expect"].as_str().unwrap();
    if v["kind"] == "txt-rrset" {
        let txts: Vec<Vec<u8>> = v["txt_records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().as_bytes().to_vec())
            .collect();
        let usable = match dmarc::select(&txts) {
            Selection::One(t) => dmarc::parse(&t).is_ok(),
            _ => false,
        };
        return match (expect, usable) {
            ("error", false) => Ok(()),
            ("error", true) => Err("a usable DMARC record was selected".into()),
            (e, _) => panic!("unexpected expectation {e} for a txt-rrset vector"),
        };
    }
    let record = v["record"].as_str().unwrap();
    let parsed = dmarc::parse(record);
    match (expect, &parsed) {
        ("invalid", Err(_)) => Ok(()),
        ("not-dmarc", Err(_)) => match dmarc::select(&[record.as_bytes().to_vec()]) {
            Selection::None { near_misses } if near_misses.is_empty() => Ok(()),
            _ => Err("taken for a (broken) DMARC record".into()),
        },
        ("invalid" | "not-dmarc", Ok(r)) => Err(format!(
            "parsed as valid (p={}, notes {:?})",
            r.p.as_str(),
            r.notes.iter().map(|n| n.kind).collect::<Vec<_>>()
        )),
        ("valid" | "valid-with-warning", Err(e)) => Err(format!("syntax error: {e}")),
        ("valid" | "valid-with-warning", Ok(r)) => {
            if let Some(fields) = v.get("expected_fields").and_then(Value::as_object) {
                for (k, want) in fields {
                    let got = ours(source, k, r);
                    let want = expected_value(source, k, want);
                    if got != want {
                        return Err(format!("field {k}: ours {got}, theirs {want}"));
                    }
                }
            }
            if expect == "valid-with-warning" {
                for w in v["expected_warning_substrings"].as_array().unwrap() {
                    let kind = warning_kind(w.as_str().unwrap());
                    if !r.notes.iter().any(|n| n.kind == kind) {
                        return Err(format!("no {kind:?} note (expected warning {w})"));
                    }
                }
            }
            Ok(())
        }
        (e, _) => panic!("unexpected expectation {e}"),
    }
}

#[test]
fn dmarc_record_vectors_agree_at_least_95_percent() {
    let Some(shared) = mailwhy_tests::shared() else {
        return;
    };
    let path = shared.join("conformance/dmarc/dmarc-record-vectors.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let vectors = doc["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 87, "the README promises 87 vectors");
    let mut per_source: std::collections::BTreeMap<&str, (usize, usize)> = Default::default();
    let mut disagreements = Vec::new();
    for v in vectors {
        let id = v["id"].as_str().unwrap();
        let source = v["source"].as_str().unwrap();
        let e = per_source.entry(source).or_default();
        e.1 += 1;
        match judge(v) {
            Ok(()) => e.0 += 1,
            Err(why) => disagreements.push((id.to_string(), why)),
        }
    }
    let agreed: usize = per_source.values().map(|p| p.0).sum();
    for (s, (a, n)) in &per_source {
        println!(
            "{s:<11} {a:>3}/{n:<3} agree ({:.1}%)",
            100.0 * *a as f64 / *n as f64
        );
    }
    println!(
        "overall     {agreed:>3}/{:<3} agree ({:.1}%)",
        vectors.len(),
        100.0 * agreed as f64 / vectors.len() as f64
    );
    for (id, ours) in &disagreements {
        let reason = DISAGREEMENTS
            .iter()
            .find(|d| d.0 == id)
            .map(|d| d.1)
            .unwrap_or("NOT LISTED");
        println!("disagree {id}: we say {ours}\n    reading we follow: {reason}");
    }
    let mut found: Vec<&str> = disagreements.iter().map(|d| d.0.as_str()).collect();
    let mut listed: Vec<&str> = DISAGREEMENTS.iter().map(|d| d.0).collect();
    found.sort_unstable();
    listed.sort_unstable();
    assert_eq!(
        found, listed,
        "the disagreements must be exactly the listed ones"
    );
    assert!(
        agreed * 100 >= vectors.len() * 95,
        "agreement {agreed}/{} is under 95%",
        vectors.len()
    );
}

/// The note kind named in the project's vectors file.
fn note_kind(name: &str) -> NoteKind {
    match name {
        "policy-missing" => NoteKind::PolicyMissing,
        "policy-not-first" => NoteKind::PolicyNotFirst,
        "policy-fallback" => NoteKind::PolicyFallback,
        "removed-in-dmarcbis" => NoteKind::RemovedInDmarcbis,
        "unknown-tag" => NoteKind::UnknownTag,
        other => panic!("no note kind {other:?}"),
    }
}

/// One `record` vector of `fixtures/conformance/dmarc-rfc9989.json`: `Err` says what differs.
fn judge_9989_record(v: &Value) -> Result<(), String> {
    let parsed = dmarc::parse(v["record"].as_str().unwrap());
    let r = match (v["expect"].as_str().unwrap(), parsed) {
        ("invalid", Err(e)) => {
            let want = v["error_tag"].as_str();
            return if e.tag.as_deref() == want {
                Ok(())
            } else {
                Err(format!("error in tag {:?}, expected {want:?}: {e}", e.tag))
            };
        }
        ("invalid", Ok(r)) => return Err(format!("parsed as valid: {r:?}")),
        ("valid", Err(e)) => return Err(format!("syntax error: {e}")),
        ("valid", Ok(r)) => r,
        (e, _) => panic!("unexpected expectation {e}"),
    };
    for (k, want) in v["fields"].as_object().into_iter().flatten() {
        let got = match k.as_str() {
            "p" => pol(r.p),
            "sp" => pol(r.subdomain_policy()),
            "np" => pol(r.nonexistent_policy()),
            "psd" => json!(psd(r.public_suffix())),
            "t" => json!(if r.testing() { "y" } else { "n" }),
            "applied" => pol(if r.testing() { r.p.testing_step() } else { r.p }),
            "p_fallback" => json!(r.p_fallback),
            other => panic!("no field {other}"),
        };
        if &got != want {
            return Err(format!("field {k}: ours {got}, expected {want}"));
        }
    }
    for n in v["notes"].as_array().into_iter().flatten() {
        let kind = note_kind(n.as_str().unwrap());
        if !r.notes.iter().any(|x| x.kind == kind) {
            return Err(format!("no {kind:?} note in {:?}", r.notes));
        }
    }
    Ok(())
}

/// The vector's zones (origin -> zone-file lines) on a fresh loopback zone server.
async fn serve_zones(v: &Value) -> (tempfile::TempDir, mailwhy::dns::server::ZoneServer) {
    let dir = tempfile::tempdir().unwrap();
    for (origin, lines) in v["zones"].as_object().unwrap() {
        let mut z = format!(
            "$TTL 3600\n@ IN SOA ns1.{origin}. hostmaster.{origin}. ( 1 1h 15m 1w 5m )\n  IN NS ns1.{origin}.\nns1 IN A 192.0.2.53\n"
        );
        for l in lines.as_array().unwrap() {
            z.push_str(l.as_str().unwrap());
            z.push('\n');
        }
        std::fs::write(dir.path().join(format!("{origin}.zone")), z).unwrap();
    }
    let server = mailwhy_tests::zone_server(dir.path()).await;
    (dir, server)
}

/// Checks the `findings` / `no_findings` of a vector against the findings produced.
fn check_findings(v: &Value, findings: &[&mailwhy::finding::Finding], wrong: &mut Vec<String>) {
    let ids: Vec<&str> = findings.iter().map(|f| f.id.as_str()).collect();
    for f in v["findings"].as_array().into_iter().flatten() {
        if !ids.contains(&f.as_str().unwrap()) {
            wrong.push(format!("no {f} among {ids:?}"));
        }
    }
    for f in v["no_findings"].as_array().into_iter().flatten() {
        if ids.contains(&f.as_str().unwrap()) {
            wrong.push(format!("unexpected {f} among {ids:?}"));
        }
    }
    for (id, fields) in v["finding_evidence"].as_object().into_iter().flatten() {
        let Some(f) = findings.iter().find(|f| f.id.as_str() == id) else {
            wrong.push(format!("no {id} to check the evidence of"));
            continue;
        };
        for (k, want) in fields.as_object().unwrap() {
            if f.evidence.get(k) != Some(want) {
                wrong.push(format!(
                    "{id} evidence {k} = {:?}, expected {want}",
                    f.evidence.get(k)
                ));
            }
        }
    }
}

/// One `alignment` vector: its zones on a fresh loopback zone server, the organizational
/// domains by `auth::org_domains` (the RFC 9989 tree walk), alignment as RFC 9989 and RFC 7489
/// receivers judge it, and the findings of `auth::checks` with the identifiers as envelope
/// domains.
async fn judge_9989_alignment(v: &Value) -> Result<(), String> {
    use mailwhy::auth::{self, alignment, dmarc::AlignmentMode};
    let (_dir, server) = serve_zones(v).await;
    let ctx = mailwhy::check::Context::new(mailwhy_tests::dns_for(server.addr()));
    let from = v["from"].as_str().unwrap();
    let mode = match v["mode"].as_str().unwrap() {
        "r" => AlignmentMode::Relaxed,
        "s" => AlignmentMode::Strict,
        m => panic!("mode {m}"),
    };
    let idents = v["identifiers"].as_object().unwrap();
    let mut names = vec![from];
    names.extend(idents.keys().map(String::as_str));
    let (c, orgs) = auth::org_domains(&ctx, &names).await;
    let mut wrong = Vec::new();
    if !c.findings.is_empty() {
        wrong.push(format!("the walks reported {:?}", c.findings));
    }
    if let Some(want) = v.get("from_org_domain") {
        if orgs.walked(from) != want.as_str() {
            wrong.push(format!(
                "From org domain {:?}, expected {want}",
                orgs.walked(from)
            ));
        }
    }
    for (id, want) in idents {
        if let Some(o) = want.get("org_domain") {
            if orgs.walked(id) != o.as_str() {
                wrong.push(format!(
                    "{id}: org domain {:?}, expected {o}",
                    orgs.walked(id)
                ));
            }
        }
        let bis = alignment::aligned(id, from, mode, &orgs);
        if want["aligned"] != json!(bis) {
            wrong.push(format!(
                "{id}: RFC 9989 aligned {bis}, expected {}",
                want["aligned"]
            ));
        }
        let old = alignment::aligned_psl(id, from, mode);
        if want["aligned_psl"] != json!(old) {
            wrong.push(format!(
                "{id}: RFC 7489 aligned {old}, expected {}",
                want["aligned_psl"]
            ));
        }
    }
    if v.get("findings").is_some() || v.get("no_findings").is_some() {
        let input = auth::AuthInput {
            domain: from.to_string(),
            selectors: vec![],
            ips: vec![],
            envelope_domains: idents.keys().cloned().collect(),
        };
        let checks = auth::checks(&ctx, &input).await;
        let findings: Vec<&mailwhy::finding::Finding> = checks
            .outcomes
            .iter()
            .flat_map(|o| o.findings.iter())
            .collect();
        check_findings(v, &findings, &mut wrong);
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(wrong.join("; "))
    }
}

/// One `dns` vector: its zones on a fresh loopback zone server, then `auth::check_dmarc`.
async fn judge_9989_dns(v: &Value) -> Result<(), String> {
    use mailwhy::auth::{self, Discovery};
    let (_dir, server) = serve_zones(v).await;
    let ctx = mailwhy::check::Context::new(mailwhy_tests::dns_for(server.addr()));
    let domain = v["domain"].as_str().unwrap();
    let (c, d) = auth::check_dmarc(&ctx, domain).await;
    let state = match &d {
        Discovery::Found { .. } => "found",
        Discovery::SyntaxError { .. } => "syntax-error",
        Discovery::Multiple { .. } => "multiple",
        Discovery::Missing { .. } => "missing",
        Discovery::Unknown { .. } => "unknown",
    };
    let mut wrong = Vec::new();
    if state != v["state"] {
        wrong.push(format!("state {state}, expected {}", v["state"]));
    }
    if let Some(want) = v.get("policy") {
        let got = match d.policy_for(domain) {
            Some(Ok(p)) => pol(p),
            Some(Err(_)) => json!("no-policy"),
            None => json!("unknown"),
        };
        if &got != want {
            wrong.push(format!("policy {got}, expected {want}"));
        }
    }
    if let Discovery::Found {
        at,
        asked,
        org_domain,
        exists,
        ..
    } = &d
    {
        let got = [
            ("at", json!(at)),
            ("asked", json!(asked)),
            ("org_domain", json!(org_domain)),
            ("exists", json!(exists)),
        ];
        for (k, g) in got {
            if let Some(want) = v.get(k) {
                if &g != want {
                    wrong.push(format!("{k} {g}, expected {want}"));
                }
            }
        }
    }
    if let (
        Discovery::Multiple {
            rfc9989_record_at, ..
        },
        Some(want),
    ) = (&d, v.get("rfc9989_record_at"))
    {
        if &json!(rfc9989_record_at) != want {
            wrong.push(format!(
                "rfc9989_record_at {rfc9989_record_at:?}, expected {want}"
            ));
        }
    }
    if let (Discovery::Missing { asked, .. }, Some(want)) = (&d, v.get("asked")) {
        if &json!(asked) != want {
            wrong.push(format!("asked {asked:?}, expected {want}"));
        }
    }
    let findings: Vec<&mailwhy::finding::Finding> = c.findings.iter().collect();
    check_findings(v, &findings, &mut wrong);
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(wrong.join("; "))
    }
}

/// The project's own RFC 9989/9990 vectors (`fixtures/conformance/dmarc-rfc9989.json`): every
/// one must hold, one case per change the RFC made (np, psd, t, optional p, removed
/// pct/rf/ri, the tree walk and its 8-query limit, the organizational domain and relaxed
/// alignment by the walk, report authorization by the walk's organizational domains).
#[tokio::test]
async fn rfc9989_vectors_all_hold() {
    let path = mailwhy_tests::fixture("conformance/dmarc-rfc9989.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let vectors = doc["vectors"].as_array().unwrap();
    assert!(vectors.len() >= 40, "{} vectors", vectors.len());
    let mut failed = Vec::new();
    let mut kinds = std::collections::BTreeMap::<&str, usize>::new();
    for v in vectors {
        let kind = v["kind"].as_str().unwrap();
        *kinds.entry(kind).or_default() += 1;
        let r = match kind {
            "record" => judge_9989_record(v),
            "dns" => judge_9989_dns(v).await,
            "alignment" => judge_9989_alignment(v).await,
            k => panic!("unknown vector kind {k}"),
        };
        if let Err(why) = r {
            failed.push(format!("{}: {why}", v["id"].as_str().unwrap()));
        }
    }
    println!(
        "{kinds:?}: {} of {} hold",
        vectors.len() - failed.len(),
        vectors.len()
    );
    assert!(
        failed.is_empty(),
        "vectors that fail:\n{}",
        failed.join("\n")
    );
}
