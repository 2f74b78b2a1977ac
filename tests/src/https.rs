//! A real HTTPS server on loopback serving MTA-STS policies, for the transport tests: hyper over
//! tokio-rustls, with a certificate for every policy host issued by a test CA made with rcgen.
//!
//! The server serves a directory of files named `<host>.<kind>`; the request's Host header picks
//! the file. `mta-sts.good.example.txt` is served as HTTP 200 `text/plain`; `.html` as 200
//! `text/html`; `.redirect` as a 301 to the URL in the file; `.404` as 404 (the certificate names the host); `.big` as 200 `text/plain` with a
//! 70,000-byte body; `.noname` as `.txt`, but the certificate does not name that host. Any other
//! host gets 404. The hosts' addresses come from the zone files (an A record `127.0.0.1`) and the
//! binary reaches this server through `--https-port`.

use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// A running policy server; it stops when the test process ends.
#[derive(Debug)]
pub struct PolicyServer {
    /// The loopback port it listens on.
    pub port: u16,
    /// The test CA's certificate (PEM), for `--ca-file`.
    pub ca_file: PathBuf,
    _dir: tempfile::TempDir,
}

impl PolicyServer {
    /// Serves the files of `root` (see the module documentation).
    pub fn start(root: &Path) -> PolicyServer {
        let mut files: Vec<(String, String, String)> = vec![];
        for entry in std::fs::read_dir(root).expect("policy directory") {
            let path = entry.expect("entry").path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let Some((host, kind)) = name.rsplit_once('.') else {
                continue;
            };
            let body = std::fs::read_to_string(&path).expect("policy file");
            files.push((host.to_ascii_lowercase(), kind.to_string(), body));
        }
        let names: Vec<String> = files
            .iter()
            .filter(|(_, k, _)| k != "noname")
            .map(|(h, _, _)| h.clone())
            .chain(std::iter::once("localhost".to_string()))
            .collect();
        let dir = tempfile::tempdir().expect("tempdir");
        let ca_key = KeyPair::generate().expect("CA key");
        let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "mailwhy policy test CA");
        let ca_cert = ca.self_signed(&ca_key).expect("CA cert");
        let issuer = Issuer::new(ca, ca_key);
        let key = KeyPair::generate().expect("key");
        let cert = CertificateParams::new(names)
            .expect("params")
            .signed_by(&key, &issuer)
            .expect("cert");
        let ca_file = dir.path().join("ca.pem");
        std::fs::write(&ca_file, ca_cert.pem()).expect("write CA");

        let chain = vec![CertificateDer::from_pem_slice(cert.pem().as_bytes()).expect("cert der")];
        let key = PrivateKeyDer::from_pem_slice(key.serialize_pem().as_bytes()).expect("key der");
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .expect("server config");
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let port = listener.local_addr().expect("addr").port();
        let files = Arc::new(files);
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                loop {
                    let Ok((tcp, _)) = listener.accept().await else {
                        continue;
                    };
                    let acceptor = acceptor.clone();
                    let files = files.clone();
                    tokio::spawn(async move {
                        let Ok(tls) = acceptor.accept(tcp).await else {
                            return;
                        };
                        let service = service_fn(move |req| {
                            let files = files.clone();
                            async move { Ok::<_, Infallible>(answer(&files, &req)) }
                        });
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(TokioIo::new(tls), service)
                            .await;
                    });
                }
            });
        });
        PolicyServer {
            port,
            ca_file,
            _dir: dir,
        }
    }
}

fn answer(files: &[(String, String, String)], req: &Request<Incoming>) -> Response<String> {
    let host = req
        .headers()
        .get("host")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("")
        .split(':')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let found = files.iter().find(|(h, _, _)| *h == host);
    let plain = |body: String| {
        Response::builder()
            .header("content-type", "text/plain; charset=utf-8")
            .body(body)
            .expect("response")
    };
    match found {
        Some(_) if req.uri().path() != "/.well-known/mta-sts.txt" => not_found(),
        Some((_, kind, body)) => match kind.as_str() {
            "txt" | "noname" => plain(body.clone()),
            "big" => plain(format!("{body}{}", "#".repeat(70_000))),
            "html" => Response::builder()
                .header("content-type", "text/html")
                .body(body.clone())
                .expect("response"),
            "redirect" => Response::builder()
                .status(301)
                .header("location", body.trim())
                .body(String::new())
                .expect("response"),
            _ => not_found(),
        },
        None => not_found(),
    }
}

fn not_found() -> Response<String> {
    Response::builder()
        .status(404)
        .header("content-type", "text/plain")
        .body("not found\n".into())
        .expect("response")
}
