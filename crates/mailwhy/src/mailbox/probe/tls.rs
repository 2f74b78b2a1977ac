//! TLS for the probe: which roots are trusted ([`Roots`]), the handshake step (implicit TLS or
//! after STLS) with a readable cause when it fails, and the verifier that accepts a certificate
//! pinned with `--ca-file` byte for byte.

use std::sync::Arc;

use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::json;
use tokio_rustls::TlsConnector;

use super::super::TlsMode;
use super::{Conn, Run, Stream};
use crate::check::CheckOutcome;
use crate::finding::{Finding, FindingId};
use crate::sanitize;

/// Which certificate authorities the probe trusts.
#[derive(Debug, Clone)]
pub enum Roots {
    /// The operating system's trust store (read with rustls-native-certs).
    System,
    /// Only these certificates (from `--ca-file`, for a private CA or a self-signed server).
    Certificates(Vec<CertificateDer<'static>>),
}

impl Run<'_> {
    fn client_config(&self) -> Result<rustls::ClientConfig, String> {
        let mut store = rustls::RootCertStore::empty();
        match &self.opts.roots {
            Roots::System => {
                let found = rustls_native_certs::load_native_certs();
                for cert in found.certs {
                    let _ = store.add(cert);
                }
            }
            Roots::Certificates(certs) => {
                for cert in certs {
                    store
                        .add(cert.clone())
                        .map_err(|e| format!("the certificate in --ca-file cannot be used: {e}"))?;
                }
            }
        }
        if store.is_empty() {
            return Err("no trusted root certificates were found on this system (install ca-certificates, or give --ca-file)".into());
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let webpki = rustls::client::WebPkiServerVerifier::builder_with_provider(
            Arc::new(store),
            provider.clone(),
        )
        .build()
        .map_err(|e| e.to_string())?;
        let pinned = match &self.opts.roots {
            Roots::Certificates(certs) => certs.clone(),
            Roots::System => vec![],
        };
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(PinningVerifier { webpki, pinned }))
            .with_no_client_auth();
        Ok(config)
    }

    pub(super) fn tls_failed(&self, detail: String, remedy: &str) -> Finding {
        Finding::new(FindingId::MailboxTlsFailed, detail)
            .with_remedy(remedy)
            .with_evidence(json!({
                "server": self.s.server, "port": self.port, "tls": self.tls,
            }))
    }

    /// The TLS handshake on `conn`'s plain stream (implicit TLS, or after STLS).
    pub(super) async fn handshake(&mut self, step: &str, conn: &mut Conn) -> bool {
        let mut c = CheckOutcome::start(step);
        let fix = "Use the exact server name from the provider's documentation (the certificate is issued for it). For a private mail server, give its CA certificate with --ca-file. Otherwise the server's admin renews or fixes the certificate; never turn off certificate checking in the fetcher.";
        let config = match self.client_config() {
            Ok(c) => c,
            Err(why) => {
                c.inconclusive(why.clone());
                self.finish(c, why);
                return false;
            }
        };
        let name = match ServerName::try_from(self.host.clone()) {
            Ok(n) => n,
            Err(_) => {
                c.push(self.tls_failed(
                    format!(
                        "{} cannot be checked against a certificate.",
                        sanitize::line(&self.host)
                    ),
                    fix,
                ));
                self.finish(c, "not a usable TLS server name");
                return false;
            }
        };
        let Some(Stream::Plain(tcp)) = conn.stream.take() else {
            self.finish(c, "no plain connection to upgrade");
            return false;
        };
        let connector = TlsConnector::from(Arc::new(config));
        match tokio::time::timeout(self.opts.step_timeout, connector.connect(name, tcp)).await {
            Ok(Ok(tls)) => {
                let (_, session) = tls.get_ref();
                let version = match session.protocol_version() {
                    Some(rustls::ProtocolVersion::TLSv1_3) => "TLS 1.3",
                    Some(rustls::ProtocolVersion::TLSv1_2) => "TLS 1.2",
                    _ => "TLS",
                };
                let suite = session
                    .negotiated_cipher_suite()
                    .and_then(|s| s.suite().as_str())
                    .unwrap_or("");
                let summary = format!("{version} {suite}").trim().to_string();
                self.facts.tls = Some(summary.clone());
                conn.stream = Some(Stream::Tls(Box::new(tls)));
                self.finish(
                    c,
                    format!(
                        "{summary}, certificate valid for {}",
                        sanitize::line(&self.host)
                    ),
                );
                true
            }
            Ok(Err(e)) => {
                let (detail, remedy) = describe_tls_error(&e, &self.host, self.tls, fix);
                c.push(self.tls_failed(
                    format!(
                        "The TLS handshake with {}:{} failed: {detail}.",
                        sanitize::line(&self.host),
                        self.port
                    ),
                    &remedy,
                ));
                self.finish(c, "handshake failed");
                false
            }
            Err(_) => {
                let detail = format!(
                    "The server did not complete the TLS handshake within {} s; on this port it may expect plain POP3 or STLS instead of implicit TLS.",
                    self.opts.step_timeout.as_secs_f64()
                );
                c.push(self.tls_failed(detail, fix));
                self.finish(c, "handshake timed out");
                false
            }
        }
    }
}

/// The normal WebPKI verification, plus one exception: a server certificate that is byte for byte
/// one of the certificates given with `--ca-file` is trusted as is. Self-signed certificates made
/// with `openssl req -x509` carry `CA:TRUE`, which WebPKI refuses as a server certificate
/// (`CaUsedAsEndEntity`); an admin who hands us that exact certificate has pinned it. The
/// handshake signature is still checked against the certificate's key, so only the holder of
/// its private key passes.
#[derive(Debug)]
struct PinningVerifier {
    webpki: Arc<rustls::client::WebPkiServerVerifier>,
    pinned: Vec<CertificateDer<'static>>,
}

impl rustls::client::danger::ServerCertVerifier for PinningVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        match self.webpki.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Ok(v) => Ok(v),
            Err(_)
                if self
                    .pinned
                    .iter()
                    .any(|c| c.as_ref() == end_entity.as_ref()) =>
            {
                Ok(rustls::client::danger::ServerCertVerified::assertion())
            }
            Err(e) => Err(e),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}

/// A readable cause for a failed handshake, and the remedy for it.
fn describe_tls_error(
    e: &std::io::Error,
    host: &str,
    mode: TlsMode,
    fix: &str,
) -> (String, String) {
    use rustls::{CertificateError, Error as TlsError};
    let host = sanitize::line(host);
    let inner = e.get_ref().and_then(|i| i.downcast_ref::<TlsError>());
    let detail = match inner {
        Some(TlsError::InvalidCertificate(ce)) => match ce {
            CertificateError::UnknownIssuer => "the certificate is not issued by an authority this system trusts (a self-signed certificate or a private CA: give its CA certificate with --ca-file)".to_string(),
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                format!("the certificate is not valid for the name {host} (use the server name the certificate was issued for)")
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => "the certificate has expired".to_string(),
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => "the certificate is not valid yet (check the clocks)".to_string(),
            CertificateError::Revoked => "the certificate has been revoked".to_string(),
            CertificateError::Other(o) if format!("{o:?}").contains("CaUsedAsEndEntity") => {
                "the server presents a CA certificate as its own certificate (give exactly that certificate with --ca-file to trust it)".to_string()
            }
            other => format!(
                "the certificate was refused ({})",
                crate::text::camel_words(&format!("{other:?}"))
            ),
        },
        Some(TlsError::InvalidMessage(_)) if mode == TlsMode::Implicit => {
            return (
                "the server did not answer with TLS; on this port it speaks plain POP3 (use STLS on port 110, or port 995 for SSL/TLS)".to_string(),
                "Set the fetcher to port 995 with SSL/TLS, or keep this port and switch the TLS mode to STLS (STARTTLS).".to_string(),
            );
        }
        Some(TlsError::AlertReceived(a)) => format!(
            "the server ended the handshake with the TLS alert \"{}\"",
            crate::text::camel_words(&format!("{a:?}"))
        ),
        Some(TlsError::PeerIncompatible(p)) => format!(
            "the server and mailwhy share no TLS version or cipher ({})",
            crate::text::camel_words(&format!("{p:?}"))
        ),
        Some(other) => format!("{other}"),
        None if e.kind() == std::io::ErrorKind::UnexpectedEof => "the server closed the connection during the handshake".to_string(),
        None => e.to_string(),
    };
    (detail, fix.to_string())
}
