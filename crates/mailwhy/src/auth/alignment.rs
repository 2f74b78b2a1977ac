//! Identifier alignment (RFC 7489 §3.1): whether an authenticated domain (the SPF MAIL FROM
//! domain, a DKIM `d=`) aligns with the From domain, in relaxed or strict mode. Organizational
//! domains come from the Public Suffix List through the `psl` crate, never from a hand list.
//!
//! Pure functions, no DNS: the DMARC result computation (message checks, predictions per IP)
//! calls them.

use super::dmarc::AlignmentMode;

/// Lowercases and strips one trailing dot.
fn norm(d: &str) -> String {
    d.trim_end_matches('.').to_ascii_lowercase()
}

/// The organizational domain of `domain` (RFC 7489 §3.2): the public suffix plus one label.
/// A name that is itself a public suffix (or unknown to the list's rules) is its own.
pub(crate) fn organizational_domain(domain: &str) -> String {
    let d = norm(domain);
    match psl::domain_str(&d) {
        Some(org) => org.to_string(),
        None => d,
    }
}

/// Whether `authenticated` aligns with `from` in `mode`: strict needs the same name, relaxed the
/// same organizational domain (RFC 7489 §3.1.1, §3.1.2).
pub fn aligned(authenticated: &str, from: &str, mode: AlignmentMode) -> bool {
    let (a, f) = (norm(authenticated), norm(from));
    if a.is_empty() || f.is_empty() {
        return false;
    }
    match mode {
        AlignmentMode::Strict => a == f,
        AlignmentMode::Relaxed => organizational_domain(&a) == organizational_domain(&f),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AlignmentMode::*;

    #[test]
    fn organizational_domains_follow_the_public_suffix_list() {
        assert_eq!(organizational_domain("mail.procore.com"), "procore.com");
        assert_eq!(organizational_domain("a.b.example.co.uk"), "example.co.uk");
        assert_eq!(
            organizational_domain("Bounce.Sendgrid.NET."),
            "sendgrid.net"
        );
    }

    #[test]
    fn relaxed_alignment_compares_organizational_domains() {
        assert!(aligned("em123.procore.com", "procore.com", Relaxed));
        assert!(!aligned("em123.procore.com", "procore.com", Strict));
        assert!(aligned("procore.com", "PROCORE.com.", Strict));
        assert!(!aligned("sendgrid.net", "procore.com", Relaxed));
        // Two registrable domains under the same public suffix are different organizations.
        assert!(!aligned("a.co.uk", "b.co.uk", Relaxed));
        assert!(!aligned("", "procore.com", Relaxed));
    }
}
