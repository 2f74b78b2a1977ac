//! A real Dovecot POP3 server for tests: started as a foreground process (`dovecot -F -c`) with a
//! throw-away configuration in a temporary directory (passwd-file users, a maildir with a few
//! messages, a certificate chain generated here), listening on 127.0.0.1 on free ports, and
//! stopped when dropped.
//!
//! Dovecot treats a connection whose remote address equals its local address as secure, and then
//! accepts passwords without TLS. To see `disable_plaintext_auth` at work, a third listener
//! without TLS sits on 127.0.0.2 ([`Dovecot::insecure_port`]): connecting there comes from
//! 127.0.0.1, a different address, so Dovecot refuses the password as it would from the network.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, SanType};

/// The user the server knows.
pub const USER: &str = "alice@mailwhy.test";
/// Her password.
pub const PASSWORD: &str = "S3cret-Pw-7f1c9a";
/// The host name the server certificate is issued for (besides `localhost` and 127.0.0.1).
pub const CERT_NAME: &str = "pop.mailwhy.test";

/// A running Dovecot; killed on drop.
pub struct Dovecot {
    child: Child,
    dir: tempfile::TempDir,
    /// Port 110's stand-in: plain POP3 with STLS.
    pub plain_port: u16,
    /// Port 995's stand-in: implicit TLS.
    pub tls_port: u16,
    /// Plain POP3 on 127.0.0.2, where Dovecot refuses passwords before STLS.
    pub insecure_port: u16,
    /// Messages in the maildir.
    pub messages: usize,
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The dovecot binary, if installed.
pub fn binary() -> Option<PathBuf> {
    let candidates = [PathBuf::from("/usr/sbin/dovecot")];
    if let Some(p) = candidates.iter().find(|p| p.is_file()) {
        return Some(p.clone());
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("dovecot"))
            .find(|p| p.is_file())
    })
}

fn free_port(ip: &str) -> u16 {
    TcpListener::bind((ip, 0))
        .expect("bind 127.0.0.1:0")
        .local_addr()
        .expect("local addr")
        .port()
}

fn command_output(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

/// What kind of server certificate the test server presents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertKind {
    /// A certificate issued by a test CA (`ca.pem`), as a private CA would.
    IssuedByTestCa,
    /// A self-signed certificate with `CA:TRUE`, as `openssl req -x509` makes; `ca.pem` is that
    /// same certificate.
    SelfSignedCa,
}

/// Writes the server certificate and key, and `ca.pem` to trust it; returns the `ca.pem` path.
fn write_certificates(dir: &Path, kind: CertKind) -> PathBuf {
    if kind == CertKind::SelfSignedCa {
        let key = KeyPair::generate().expect("key");
        let mut params =
            CertificateParams::new(vec![CERT_NAME.to_string(), "localhost".to_string()])
                .expect("params");
        params
            .subject_alt_names
            .push(SanType::IpAddress("127.0.0.1".parse().expect("ip")));
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, CERT_NAME);
        let cert = params.self_signed(&key).expect("self-signed cert");
        std::fs::write(dir.join("ca.pem"), cert.pem()).expect("write ca");
        std::fs::write(dir.join("cert.pem"), cert.pem()).expect("write cert");
        std::fs::write(dir.join("key.pem"), key.serialize_pem()).expect("write key");
        return dir.join("ca.pem");
    }
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "mailwhy test CA");
    let ca_cert = ca.self_signed(&ca_key).expect("CA cert");
    let issuer = Issuer::new(ca, ca_key);

    let key = KeyPair::generate().expect("server key");
    let mut params = CertificateParams::new(vec![CERT_NAME.to_string(), "localhost".to_string()])
        .expect("server params");
    params
        .subject_alt_names
        .push(SanType::IpAddress("127.0.0.1".parse().expect("ip")));
    params
        .distinguished_name
        .push(DnType::CommonName, CERT_NAME);
    let cert = params.signed_by(&key, &issuer).expect("server cert");

    std::fs::write(dir.join("ca.pem"), ca_cert.pem()).expect("write ca");
    std::fs::write(dir.join("cert.pem"), cert.pem()).expect("write cert");
    std::fs::write(dir.join("key.pem"), key.serialize_pem()).expect("write key");
    dir.join("ca.pem")
}

impl Dovecot {
    /// Starts a server with `messages` messages waiting for [`USER`].
    ///
    /// Panics when Dovecot is not installed: a test that needs it is marked
    /// `#[ignore = "needs dovecot-pop3d (apt)"]`, so `cargo test` lists it as ignored, and when it
    /// is run anyway (`--ignored`, as `.ci/run` does) it fails rather than passing untested.
    pub fn start(messages: usize) -> Dovecot {
        Dovecot::start_with(messages, CertKind::IssuedByTestCa)
    }

    /// Like [`Dovecot::start`], with the given kind of server certificate.
    pub fn start_with(messages: usize, cert: CertKind) -> Dovecot {
        let Some(bin) = binary() else {
            panic!(
                "this test needs Dovecot, which is not installed: install the Debian package \
                 dovecot-pop3d (`apt-get install dovecot-pop3d`; .ci/apt-packages lists it)"
            );
        };
        let dir = tempfile::tempdir().expect("temp dir");
        let d = dir.path().to_path_buf();
        write_certificates(&d, cert);
        // Dovecot drops privileges: as root it runs its internal processes as the package's
        // `dovecot`/`dovenull` users and the mail process as `dovecot`; as anyone else, as
        // that same user. Either way that user must reach the temp dir and own the maildir.
        let root = command_output("id", &["-u"]) == "0";
        let me = command_output("id", &["-un"]);
        let (internal, login, mail_user) = if root {
            (
                "dovecot".to_string(),
                "dovenull".to_string(),
                "dovecot".to_string(),
            )
        } else {
            (me.clone(), me.clone(), me.clone())
        };
        let maildir = d.join("mail").join(USER);
        for sub in ["cur", "new", "tmp"] {
            std::fs::create_dir_all(maildir.join(sub)).expect("maildir");
        }
        for i in 0..messages {
            std::fs::write(
                maildir.join("new").join(format!("100000{i}.M{i}P1.mailwhy")),
                format!("From: sender@example.org\r\nTo: {USER}\r\nSubject: test {i}\r\n\r\nbody {i}\r\n"),
            )
            .expect("message");
        }
        std::fs::write(d.join("passwd"), format!("{USER}:{{PLAIN}}{PASSWORD}\n")).expect("passwd");
        for sub in ["run", "state", "home"] {
            std::fs::create_dir_all(d.join(sub)).expect("dirs");
        }
        if root {
            let uid: u32 = command_output("id", &["-u", &mail_user])
                .parse()
                .expect("uid");
            let gid: u32 = command_output("id", &["-g", &mail_user])
                .parse()
                .expect("gid");
            for entry in walk(&d.join("mail")).into_iter().chain([d.join("home")]) {
                std::os::unix::fs::chown(&entry, Some(uid), Some(gid)).expect("chown");
            }
        }
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755)).expect("chmod");

        let plain_port = free_port("127.0.0.1");
        let tls_port = free_port("127.0.0.1");
        let insecure_port = free_port("127.0.0.2");
        let p = d.display();
        let config = format!(
            r#"# Throw-away Dovecot for mailwhy's tests.
base_dir = {p}/run
state_dir = {p}/state
instance_name = mailwhy-test-{plain_port}
protocols = pop3
listen = 127.0.0.1
log_path = {p}/dovecot.log
default_internal_user = {internal}
default_internal_group = {internal}
default_login_user = {login}
first_valid_uid = 0
last_valid_uid = 0
first_valid_gid = 0
ssl = yes
ssl_cert = <{p}/cert.pem
ssl_key = <{p}/key.pem
disable_plaintext_auth = yes
auth_mechanisms = plain
# Refused logins are answered at once (the default waits 2 s, which only slows the tests).
auth_failure_delay = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {p}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_user} home={p}/home/%u
}}
mail_location = maildir:{p}/mail/%u
pop3_uidl_format = %08Xu%08Xv
service pop3-login {{
  inet_listener pop3 {{
    port = {plain_port}
  }}
  inet_listener pop3s {{
    port = {tls_port}
    ssl = yes
  }}
  inet_listener pop3-insecure {{
    address = 127.0.0.2
    port = {insecure_port}
  }}
}}
"#
        );
        let conf = d.join("dovecot.conf");
        std::fs::write(&conf, config).expect("config");
        let child = Command::new(&bin)
            .arg("-F")
            .arg("-c")
            .arg(&conf)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(
                std::fs::File::create(d.join("stderr.log")).expect("stderr log"),
            ))
            .spawn()
            .expect("start dovecot");
        let mut server = Dovecot {
            child,
            dir,
            plain_port,
            tls_port,
            insecure_port,
            messages,
        };
        server.wait_until_listening();
        server
    }

    fn wait_until_listening(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let up = [
                ("127.0.0.1", self.plain_port),
                ("127.0.0.1", self.tls_port),
                ("127.0.0.2", self.insecure_port),
            ]
            .iter()
            .all(|a| TcpStream::connect(a).is_ok());
            if up {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("dovecot exited ({status}):\n{}", self.logs());
            }
            assert!(
                Instant::now() < deadline,
                "dovecot did not start listening within 15 s:\n{}",
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The CA certificate (PEM) that issued the server's certificate, for `--ca-file`.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// Dovecot's own logs, for failure messages.
    pub fn logs(&self) -> String {
        let read = |f: &str| std::fs::read_to_string(self.dir.path().join(f)).unwrap_or_default();
        format!("{}{}", read("stderr.log"), read("dovecot.log"))
    }
}

/// Writes the certificate of a CA that issued nothing the test server uses, to `path`.
pub fn write_unrelated_ca(path: &Path) {
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(DnType::CommonName, "some other CA");
    let cert = params.self_signed(&key).expect("cert");
    std::fs::write(path, cert.pem()).expect("write");
}

fn walk(root: &Path) -> Vec<PathBuf> {
    let mut out = vec![root.to_path_buf()];
    if let Ok(entries) = std::fs::read_dir(root) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// A TCP server on 127.0.0.1:0 that greets every connection with `greeting` and then answers
/// every line with `reply` (a stand-in for "a server that is not POP3", or a hostile one). Stops
/// after `max_connections` connections.
pub fn scripted_server(
    greeting: &'static str,
    reply: fn(&str) -> String,
    max_connections: usize,
) -> u16 {
    use std::io::{BufRead, BufReader, Write};
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(max_connections).flatten() {
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                let mut w = match stream.try_clone() {
                    Ok(w) => w,
                    Err(_) => return,
                };
                if w.write_all(greeting.as_bytes()).is_err() {
                    return;
                }
                let mut r = BufReader::new(stream);
                let mut line = String::new();
                for _ in 0..50 {
                    line.clear();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    if w.write_all(reply(line.trim_end()).as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    port
}
