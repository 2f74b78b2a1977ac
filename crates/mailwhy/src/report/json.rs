//! The JSON renderers: one report as an object or several as an array (pretty), or JSON Lines;
//! the shape is the serialization of [`super::Report`] (schema_version 1), written by the one
//! JSON writer ([`crate::json`]), which escapes controls, bidi and invisible characters.

use crate::json;

use super::Report;

/// Renders one report (an object) or several (an array) as pretty JSON.
pub fn render_json(reports: &[Report]) -> String {
    let s = if reports.len() == 1 {
        json::to_string_pretty(&reports[0])
    } else {
        json::to_string_pretty(reports)
    }
    .expect("reports serialize");
    s + "\n"
}

/// Renders reports as JSON Lines, one per line.
pub fn render_jsonl(reports: &[Report]) -> String {
    let mut out = String::new();
    for r in reports {
        out.push_str(&json::to_string(r).expect("report serializes"));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::sample;

    #[test]
    fn json_has_the_schema_v1_shape() {
        let v: serde_json::Value = serde_json::from_str(&render_json(&[sample()])).unwrap();
        assert_eq!(v["schema_version"], 1);
        assert_eq!(v["verdict"], "problem-found");
        for k in ["id", "severity", "title", "detail", "remedy", "evidence"] {
            assert!(v["findings"][0].get(k).is_some(), "{k}");
        }
        assert_eq!(v["checks"][0]["status"], "inconclusive");
        assert!(v["stats"]["dns_queries"].is_u64());
    }
}
