//! The JSON renderers: one report as an object or several as an array (pretty), or JSON Lines;
//! the shape is the serialization of [`super::Report`] (schema_version 1), made terminal-safe.

use crate::sanitize;

use super::Report;

/// Renders one report (an object) or several (an array) as pretty JSON, terminal-safe.
pub fn render_json(reports: &[Report]) -> String {
    let s = if reports.len() == 1 {
        serde_json::to_string_pretty(&reports[0])
    } else {
        serde_json::to_string_pretty(reports)
    }
    .expect("reports serialize");
    sanitize::json_for_terminal(&s).into_owned() + "\n"
}

/// Renders reports as JSON Lines, one per line.
pub fn render_jsonl(reports: &[Report]) -> String {
    let mut out = String::new();
    for r in reports {
        let s = serde_json::to_string(r).expect("report serializes");
        out.push_str(&sanitize::json_for_terminal(&s));
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
