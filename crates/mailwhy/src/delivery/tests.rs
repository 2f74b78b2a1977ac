//! The readers on the format reference's own examples, and the conclusion rules of section 0.

use super::timeline::{Collector, Matcher, State, Window};
use super::*;

fn read_str(text: &str) -> (Vec<Event>, FileSummary) {
    read_with(text, ReadOptions::default())
}

fn read_with(text: &str, opts: ReadOptions) -> (Vec<Event>, FileSummary) {
    let mut out = Vec::new();
    let summary = read("t", text.as_bytes(), &opts, &mut |e| out.push(e));
    (out, summary)
}

fn state_of(text: &str, addr: &str) -> timeline::Timeline {
    let mut c = Collector::new(Matcher::new(addr).unwrap(), Window::default());
    let s = read("t", text.as_bytes(), &ReadOptions::default(), &mut |e| {
        c.push(e)
    });
    c.finish(vec![s])
}

#[test]
fn sendgrid_bounce_then_drop_is_suppressed_since_the_bounce() {
    let text = r#"[{"email":"pat@acme-builders.com","timestamp":1742198533,"event":"bounce","type":"bounce","status":"5.1.1","reason":"550 5.1.1 <pat@acme-builders.com>: User unknown","bounce_classification":"Invalid Address","sg_event_id":"Ym91MQ","smtp-id":"<inv-1@app.example>"},
 {"email":"pat@acme-builders.com","timestamp":1742803200,"event":"dropped","reason":"Bounced Address","status":"5.0.0","sg_event_id":"ZHJvcDE","smtp-id":"<inv-2@app.example>"}]"#;
    let (events, s) = read_str(text);
    assert_eq!(s.problem_count, 0, "{:?}", s.problems);
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].kind, Kind::Bounced);
    assert_eq!(events[0].reply.code, Some(550));
    assert_eq!(events[0].message_id.as_deref(), Some("inv-1@app.example"));
    assert_eq!(events[1].kind, Kind::Suppressed);
    assert_eq!(events[1].location.record, Some(2));
    let t = state_of(text, "pat@ACME-builders.com");
    assert_eq!(t.conclusion.state, State::Suppressed);
    assert_eq!(t.conclusion.since, Some(events[0].time));
    assert_eq!(t.events[0].bounce_reason, Some("userunknown"));
}

#[test]
fn ses_sns_envelope_is_opened_and_account_suppression_recognized() {
    let text = r#"{"Type":"Notification","MessageId":"0c1d","TopicArn":"arn:aws:sns:eu-central-1:111122223333:ses-events","Timestamp":"2025-03-18T08:30:00.612Z",
 "Message":"{\"eventType\":\"Bounce\",\"bounce\":{\"bounceType\":\"Permanent\",\"bounceSubType\":\"OnAccountSuppressionList\",\"bouncedRecipients\":[{\"emailAddress\":\"pat@acme-builders.com\",\"status\":\"5.1.1\",\"diagnosticCode\":\"Amazon SES did not send the message\"}],\"timestamp\":\"2025-03-18T08:30:00.350Z\",\"reportingMTA\":\"dns; amazonses.com\"},\"mail\":{\"messageId\":\"0107-000000\",\"destination\":[\"pat@acme-builders.com\"]}}",
 "SignatureVersion":"1","Signature":"x","SigningCertURL":"https://x","UnsubscribeURL":"https://x"}"#;
    let (events, s) = read_str(text);
    assert_eq!(s.problem_count, 0, "{:?}", s.problems);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind, Kind::Suppressed);
    assert_eq!(events[0].time.to_rfc3339(), "2025-03-18T08:30:00.350+00:00");
    assert_eq!(
        events[0].list.as_deref(),
        Some("SES account-level suppression list")
    );
}

#[test]
fn postmark_mailgun_resend_examples() {
    let pm = r#"{"RecordType":"Bounce","ID":4103387216,"Type":"HardBounce","TypeCode":1,"MessageID":"6f2d","Email":"pat@northwind-bau.de",
 "BouncedAt":"2025-03-12T08:14:27.5531822-04:00","Details":"smtp;550 5.1.1 <pat@northwind-bau.de>: User unknown","Inactive":true}"#;
    let (e, _) = read_str(pm);
    assert_eq!((e[0].kind, e[0].reply.code), (Kind::Bounced, Some(550)));
    assert_eq!(
        e[0].time.to_rfc3339(),
        "2025-03-12T12:14:27.553182200+00:00"
    );
    assert_eq!(
        state_of(pm, "pat@northwind-bau.de").conclusion.state,
        State::Bounced
    );

    let mg = r#"{"signature":{"timestamp":"1742382342","token":"4a91","signature":"0f5e"},
 "event-data":{"id":"g3Vx8yNqW6f2","timestamp":1742382341.33,"event":"failed","severity":"permanent","reason":"suppress-bounce",
  "recipient":"pat@globex-construction.com","message":{"headers":{"message-id":"20250319110541.6b3e@mg.app.example"}},
  "delivery-status":{"attempt-no":1,"code":605,"message":"","description":"Not delivering to previously bounced address","session-seconds":0.0}}}"#;
    let (e, _) = read_str(mg);
    assert_eq!((e[0].kind, e[0].reply.code), (Kind::Suppressed, Some(605)));
    assert_eq!(e[0].list.as_deref(), Some("bounces"));

    let rs = r#"{"type":"email.bounced","created_at":"2025-03-20T09:05:13.556Z",
 "data":{"created_at":"2025-03-20T09:05:10.774902+00:00","email_id":"8b2e","from":"App <no-reply@app.example>",
  "to":["pat@fourthcoffee-bygg.se"],"subject":"Your invitation",
  "bounce":{"type":"Permanent","subType":"General","message":"The receiving provider returned a hard bounce without a reason."}}}"#;
    let (e, _) = read_str(rs);
    assert_eq!(e[0].kind, Kind::Bounced);
    assert_eq!(e[0].time.to_rfc3339(), "2025-03-20T09:05:13.556+00:00");
    assert_eq!(e[0].subject.as_deref(), Some("Your invitation"));
}

#[test]
fn postfix_soft_bounce_then_delivered_on_retry() {
    let log = "Mar 18 10:20:41 mta1 postfix/cleanup[2240]: 4YQ2S81mKtz4: message-id=<inv-9@app.example>
Mar 18 10:20:42 mta1 postfix/smtp[2245]: 4YQ2S81mKtz4: to=<pat@northwind-bau.de>, relay=mx00.northwind-bau.de[203.0.113.30]:25, delay=1.2, delays=0.04/0.01/0.61/0.5, dsn=4.2.2, status=deferred (host mx00.northwind-bau.de[203.0.113.30] said: 452 4.2.2 Mailbox full (in reply to RCPT TO command))
Mar 18 11:10:43 mta1 postfix/smtp[2318]: 4YQ2S81mKtz4: to=<pat@northwind-bau.de>, relay=mx00.northwind-bau.de[203.0.113.30]:25, delay=3003, delays=3002/0.01/0.55/0.62, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4ZHrc71LwKz1Q)
";
    let opts = ReadOptions {
        clock: LogClock {
            year: 2025,
            ..LogClock::default()
        },
        ..ReadOptions::default()
    };
    let (e, s) = read_with(log, opts);
    assert!(s.clock_assumed);
    assert_eq!(e.len(), 2);
    assert_eq!(e[0].kind, Kind::Deferred);
    assert_eq!(e[0].reply.status.as_deref(), Some("4.2.2"));
    assert_eq!(e[0].mx_host.as_deref(), Some("mx00.northwind-bau.de"));
    assert_eq!(e[1].kind, Kind::Delivered);
    assert_eq!(e[1].message_id.as_deref(), Some("inv-9@app.example"));
    assert_eq!(e[1].location.line, Some(3));
}

#[test]
fn exim_greylisted_then_delivered() {
    let log = "2025-03-18 16:45:12 +0100 1tuZ0q-0000000Cm9L-3dEf == pat@acme-builders.com R=dnslookup T=remote_smtp defer (-44) H=mx.acme-builders.com [198.51.100.130]: SMTP error from remote mail server after RCPT TO:<pat@acme-builders.com>: 451 4.7.1 Greylisted
2025-03-18 16:51:20 +0100 1tuZ0q-0000000Cm9L-3dEf => pat@acme-builders.com R=dnslookup T=remote_smtp H=mx.acme-builders.com [198.51.100.130] X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=yes C=\"250 2.0.0 Ok: queued as 1A2B3C\"
";
    let (e, s) = read_str(log);
    assert!(!s.clock_assumed);
    assert_eq!(e.len(), 2, "{s:?}");
    assert_eq!((e[0].kind, e[0].reply.code), (Kind::Deferred, Some(451)));
    assert_eq!(e[0].time.to_rfc3339(), "2025-03-18T15:45:12+00:00");
    assert_eq!(
        e[1].reply.text.as_deref(),
        Some("250 2.0.0 Ok: queued as 1A2B3C")
    );
}

#[test]
fn a_broken_json_line_is_located_and_reading_goes_on() {
    let text = "{\"email\":\"a@x.example\",\"timestamp\":1742198533,\"event\":\"delivered\",\"sg_event_id\":\"1\"}\n{\"email\": broken\n{\"email\":\"a@x.example\",\"timestamp\":1742198534,\"event\":\"open\",\"sg_event_id\":\"2\"}\n";
    let (e, s) = read_str(text);
    assert_eq!(e.len(), 1);
    assert_eq!(s.problem_count, 1);
    assert_eq!(s.problems[0].location.line, Some(2));
    assert_eq!(s.ignored, 1);
}

/// Found by the delivery fuzz target: a CSV row the parser refuses (invalid UTF-8) was reported
/// one line past the end of the file.
#[test]
fn a_bad_csv_row_is_located_inside_the_file() {
    let data = b"email,created,status,reason\npat@acme-builders.com,1742198533,5.1.1,550 User unknown\nother@ac\xb7e-builders.com,1742198534,5.1.1,x";
    let mut n = 0;
    let s = read("c", &data[..], &ReadOptions::default(), &mut |_| n += 1);
    assert_eq!(n, 1);
    assert_eq!(s.problem_count, 1);
    assert_eq!(s.problems[0].location.line, Some(3));
}

#[test]
fn arbitrary_bytes_give_events_or_located_problems() {
    // A deterministic random-bytes loop (xorshift): no input panics, and every problem is
    // located in the file it came from.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let seeds: &[&[u8]] = &[
        b"{\"event\":",
        b"[{\"email\":",
        b"Mar  5 10:15:02 h postfix/smtp[1]: ABCDE: to=<",
        b"2025-03-18 16:45:12 1tuZ0q-0000000Cm9L-3dEf ** ",
        b"email,created\n",
    ];
    for round in 0..3000 {
        let mut input = seeds[round % seeds.len()].to_vec();
        let n = (round * 7) % 200;
        for _ in 0..n {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let alphabet = b"{}[]\",:0123456789 aeimnrt@.<>=\n\\-";
            input.push(alphabet[(x % alphabet.len() as u64) as usize]);
        }
        let mut count = 0;
        let s = read("f", &input[..], &ReadOptions::default(), &mut |_| {
            count += 1
        });
        assert_eq!(s.events, count);
        assert!(s.problems.iter().all(|p| &*p.location.file == "f"));
    }
}

proptest::proptest! {
    /// Any bytes, read as any source: events or located problems, never a panic; every event
    /// handed out is counted.
    #[test]
    fn any_bytes_give_events_or_located_problems(
        data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..600),
        pick in 0usize..10,
    ) {
        let opts = ReadOptions {
            format: Service::ALL.get(pick.wrapping_sub(1)).copied(),
            ..ReadOptions::default()
        };
        let lines = data.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        let mut n = 0;
        let s = read("p", &data[..], &opts, &mut |_| n += 1);
        proptest::prop_assert_eq!(s.events, n);
        for p in &s.problems {
            proptest::prop_assert_eq!(&*p.location.file, "p");
            proptest::prop_assert!(p.location.line.is_none_or(|l| l >= 1 && l <= lines));
        }
    }
}

/// One JSON line read by the SendGrid fast path (when it takes it) and by the general path:
/// the events and the summary must be the same.
type Outcome = (Vec<Event>, FileSummary);

fn both_paths(line: &str) -> Option<(Outcome, Outcome)> {
    fn run(f: impl FnOnce(&mut Ctx<'_>) -> bool) -> Option<Outcome> {
        let mut out = Vec::new();
        let mut sink = |e| out.push(e);
        let mut ctx = Ctx {
            file: Arc::from("t"),
            opts: ReadOptions::default(),
            summary: FileSummary::default(),
            sink: &mut sink,
        };
        let taken = f(&mut ctx);
        let summary = ctx.summary;
        taken.then_some((out, summary))
    }
    let fast = run(|ctx| {
        let at = ctx.at_line(1);
        sendgrid::fast_line(ctx, line.as_bytes(), &at)
    })?;
    let general = run(|ctx| {
        let at = ctx.at_line(1);
        let v = serde_json::from_str(line).expect("the fast path took only valid JSON");
        json::record(ctx, None, v, at);
        true
    })?;
    Some((fast, general))
}

#[test]
fn fast_and_general_paths_agree() {
    let lines = [
        r#"{"email":"pat@acme-builders.com","timestamp":1742198533,"event":"bounce","type":"bounce","status":"5.1.1","reason":"550 5.1.1 <pat@acme-builders.com>: User unknown","bounce_classification":"Invalid Address","sg_event_id":"Ym91MQ","smtp-id":"<inv-1@app.example>","sg_message_id":"abc.filter.0"}"#,
        r#"{"email":"p\u0061t@x.example","timestamp":"1742198533.5","event":"deferred","attempt":"2","response":"451 4.7.1 Greylisted \"later\"","sg_event_id":7}"#,
        r#"{"email":"pat@x.example","timestamp":1.7421985e9,"event":"dropped","reason":"Bounced Address","status":"5.0.0","category":["a",{"b":[1,null]}]}"#,
        r#"{"email":"pat@x.example","timestamp":null,"event":"delivered"}"#,
        r#"{"email":"pat@x.example","timestamp":1742198533,"event":"open","useragent":"x"}"#,
        r#"{"email":"pat@x.example","timestamp":1742198533,"event":"nonsense"}"#,
        r#"{"sg_event_id":"x","event":"processed"}"#,
        r#"{"email":"a@x.example","email":"b@x.example","timestamp":1,"timestamp":2,"event":"group_unsubscribe","asm_group_id":3.0}"#,
        r#"{"email":"pat@x.example","timestamp":1742198533,"event":"bounce","type":"expired","subject":"  "}"#,
    ];
    for line in lines {
        let (fast, general) = both_paths(line).unwrap_or_else(|| panic!("not taken: {line}"));
        assert_eq!(fast, general, "{line}");
    }
    // Another service's keys, a list item, an array, bad JSON: left to the general path.
    for line in [
        r#"{"event":"delivered","recipient":"pat@x.example","timestamp":1}"#,
        r#"{"email":"pat@x.example","created":1742198533,"reason":"x"}"#,
        r#"{"email":"pat@x.example","timestamp":1,"event":"delivered","recordtype":"Bounce"}"#,
        r#"{"email":"pat@x.example","timestamp":1,"event":"delivered","items":[]}"#,
        r#"[{"email":"pat@x.example","timestamp":1,"event":"delivered"}]"#,
        r#"{"email":"pat@x.example","timestamp":1,"event":"delivered""#,
    ] {
        assert!(both_paths(line).is_none(), "{line}");
    }
}

proptest::proptest! {
    /// Objects made of SendGrid's keys (and a few others) with values of every JSON kind: when
    /// the fast path takes one, it reads it exactly as the general path does.
    #[test]
    fn fast_path_reads_as_the_general_path(
        fields in proptest::collection::vec((0usize..20, 0usize..16), 0..12),
    ) {
        const KEYS: [&str; 20] = [
            "event", "email", "timestamp", "sg_event_id", "smtp-id", "sg_message_id", "subject",
            "attempt", "reason", "response", "status", "type", "bounce_classification",
            "asm_group_id", "category", "tls", "recipient", "RecordType", "data", "created",
        ];
        const VALUES: [&str; 16] = [
            r#""delivered""#, r#""bounce""#, r#""dropped""#, r#""Bounced Address""#,
            r#""pat@x.example""#, "1742198533", r#""1742198533""#, "17.5", "-3", "null", "true",
            r#"["a"]"#, r#"{"k":1}"#, r#""550 5.1.1 no such user""#, r#""5.1.1""#,
            r#""\u00e9 \"q\" <a@b>""#,
        ];
        let body: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{:?}:{}", KEYS[*k], VALUES[*v]))
            .collect();
        let line = format!("{{{}}}", body.join(","));
        if let Some((fast, general)) = both_paths(&line) {
            proptest::prop_assert_eq!(fast, general, "{}", line);
        }
    }
}
