//! A real Postfix smtpd on loopback for the STARTTLS probe: a private instance (its own config,
//! queue and log in a temp dir, `postfix -c DIR start`, as `bench/bounce-corpus` runs one) with
//! four listeners on free 127.0.0.1 ports: a valid certificate for [`MX_NAME`] from a test CA
//! made with rcgen, an expired one, one for another host name, and one without STARTTLS.
//!
//! Postfix's master needs root (it drops to the `postfix` user for smtpd); a test that needs it
//! is `#[ignore = "needs postfix (apt postfix)"]` and, run without it, fails naming the package.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

/// The MX host name the valid certificate is issued for.
pub const MX_NAME: &str = "mx.probe.example";

/// A running private Postfix; stopped when dropped.
#[derive(Debug)]
pub struct Postfix {
    dir: tempfile::TempDir,
    /// STARTTLS with a valid certificate for [`MX_NAME`].
    pub good_port: u16,
    /// STARTTLS with a certificate for [`MX_NAME`] that expired in 2021.
    pub expired_port: u16,
    /// STARTTLS with a valid certificate for `other.example`.
    pub wrong_name_port: u16,
    /// No STARTTLS offered.
    pub plain_port: u16,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

fn write_cert(dir: &Path, stem: &str, name: &str, expired: bool, issuer: &Issuer<'_, KeyPair>) {
    let key = KeyPair::generate().expect("key");
    let mut params = CertificateParams::new(vec![name.to_string()]).expect("params");
    params.distinguished_name.push(DnType::CommonName, name);
    if expired {
        params.not_before = rcgen::date_time_ymd(2020, 1, 1);
        params.not_after = rcgen::date_time_ymd(2021, 1, 1);
    }
    let cert = params.signed_by(&key, issuer).expect("cert");
    std::fs::write(dir.join(format!("{stem}.pem")), cert.pem()).expect("cert");
    std::fs::write(dir.join(format!("{stem}.key")), key.serialize_pem()).expect("key");
}

impl Postfix {
    /// Starts the instance. Panics (naming the package) when Postfix is not installed.
    pub fn start() -> Postfix {
        assert!(
            Path::new("/usr/sbin/postfix").exists(),
            "needs postfix (apt-get install postfix)"
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let w = dir.path().to_path_buf();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&w, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        for d in ["etc", "spool", "data"] {
            std::fs::create_dir_all(w.join(d)).expect("mkdir");
        }
        let ca_key = KeyPair::generate().expect("CA key");
        let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "mailwhy MX test CA");
        let ca_cert = ca.self_signed(&ca_key).expect("CA cert");
        std::fs::write(w.join("ca.pem"), ca_cert.pem()).expect("ca");
        let issuer = Issuer::new(ca, ca_key);
        write_cert(&w, "good", MX_NAME, false, &issuer);
        write_cert(&w, "expired", MX_NAME, true, &issuer);
        write_cert(&w, "wrong", "other.example", false, &issuer);
        let (good, expired, wrong, plain) = (free_port(), free_port(), free_port(), free_port());
        let wd = w.display();
        let mut master = String::new();
        for line in std::fs::read_to_string("/etc/postfix/master.cf")
            .expect("master.cf")
            .lines()
        {
            let f: Vec<&str> = line.split_whitespace().collect();
            if !line.starts_with([' ', '\t', '#']) && f.len() >= 8 {
                if f[0] == "smtp" && f[1] == "inet" {
                    continue;
                }
                let mut f: Vec<String> = f.iter().map(|s| s.to_string()).collect();
                f[4] = "n".into();
                master.push_str(&f.join(" "));
            } else {
                master.push_str(line);
            }
            master.push('\n');
        }
        master.push_str(&format!(
            "127.0.0.1:{good} inet n - n - - smtpd\n\
             127.0.0.1:{expired} inet n - n - - smtpd -o smtpd_tls_cert_file={wd}/expired.pem -o smtpd_tls_key_file={wd}/expired.key\n\
             127.0.0.1:{wrong} inet n - n - - smtpd -o smtpd_tls_cert_file={wd}/wrong.pem -o smtpd_tls_key_file={wd}/wrong.key\n\
             127.0.0.1:{plain} inet n - n - - smtpd -o smtpd_tls_security_level=none\n"
        ));
        std::fs::write(w.join("etc/master.cf"), master).expect("master.cf");
        std::fs::write(
            w.join("etc/main.cf"),
            format!(
                "compatibility_level = 3.6\nqueue_directory = {wd}/spool\ndata_directory = {wd}/data\n\
                 mail_owner = postfix\nsetgid_group = postdrop\ninet_interfaces = 127.0.0.1\n\
                 inet_protocols = ipv4\nmyhostname = {MX_NAME}\nmydestination =\nrelay_domains =\n\
                 mynetworks = 127.0.0.0/8\nsmtpd_relay_restrictions = permit_mynetworks, reject\n\
                 alias_maps =\nalias_database =\nmaillog_file = {wd}/maillog\n\
                 maillog_file_prefixes = {wd}\nsmtpd_tls_security_level = may\n\
                 smtpd_tls_cert_file = {wd}/good.pem\nsmtpd_tls_key_file = {wd}/good.key\n\
                 smtputf8_enable = no\nbiff = no\n"
            ),
        )
        .expect("main.cf");
        let _ = Command::new("chown")
            .args(["postfix", &format!("{wd}/data")])
            .status();
        let etc = format!("{wd}/etc");
        let _ = Command::new("postfix")
            .args(["-c", &etc, "set-permissions"])
            .output();
        let out = Command::new("postfix")
            .args(["-c", &etc, "start"])
            .output()
            .expect("run postfix");
        let pf = Postfix {
            dir,
            good_port: good,
            expired_port: expired,
            wrong_name_port: wrong,
            plain_port: plain,
        };
        assert!(
            out.status.success(),
            "postfix start: {}{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            pf.logs()
        );
        let deadline = Instant::now() + Duration::from_secs(20);
        for port in [good, expired, wrong, plain] {
            while TcpStream::connect(("127.0.0.1", port)).is_err() {
                assert!(
                    Instant::now() < deadline,
                    "postfix did not listen on {port}:\n{}",
                    pf.logs()
                );
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        pf
    }

    /// The test CA (PEM), for `--ca-file`.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// The valid certificate's DER (for a TLSA record that matches it).
    pub fn good_cert_der(&self) -> Vec<u8> {
        use rustls::pki_types::pem::PemObject;
        let pem = std::fs::read(self.dir.path().join("good.pem")).expect("good.pem");
        rustls::pki_types::CertificateDer::from_pem_slice(&pem)
            .expect("PEM")
            .as_ref()
            .to_vec()
    }

    /// Postfix's log so far.
    pub fn logs(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("maillog")).unwrap_or_default()
    }
}

impl Drop for Postfix {
    fn drop(&mut self) {
        let etc = self.dir.path().join("etc");
        let _ = Command::new("postfix")
            .arg("-c")
            .arg(&etc)
            .arg("stop")
            .output();
    }
}
