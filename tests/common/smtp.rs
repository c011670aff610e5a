//! A real SMTP server for tests: `tests/servers/keeper.py` (aiosmtpd) on a free loopback
//! port, keeping what it accepts and failing chosen recipients (see that file's rules:
//! local parts `451-`, `550-`, `421-`, `drop-`, `451x2-` …). Killed when dropped.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::project_dir;

/// The test user and password of [`Options::auth`].
pub const USER: &str = "circ";
pub const PASSWORD: &str = "s3cret-test-password";

/// How the server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Security {
    #[default]
    Plain,
    /// Offers STARTTLS and requires it before MAIL.
    StartTls,
    /// TLS from the first byte.
    Smtps,
}

/// What kind of server to start.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub security: Security,
    /// Requires AUTH as [`USER`] / [`PASSWORD`].
    pub auth: bool,
    /// A rules file (`ADDRESS ACTION [TIMES]` per line), read at every RCPT.
    pub rules: Option<PathBuf>,
}

/// One message the server accepted.
#[derive(Debug, Clone)]
pub struct Kept {
    /// Exactly as received.
    pub raw: Vec<u8>,
    pub mail_from: String,
    pub rcpt_tos: Vec<String>,
    /// `127.0.0.1:PORT` of the client side: one per connection.
    pub peer: String,
    /// Seconds since the Unix epoch.
    pub received_at: f64,
    pub tls: bool,
    /// The user that authenticated, if any.
    pub auth: Option<String>,
}

impl Kept {
    /// The copy of the circular kept for `email` alone.
    pub fn copy_for(kept: &[Kept], email: &str) -> super::Copy {
        let mine = kept
            .iter()
            .find(|k| k.rcpt_tos == [email.to_string()])
            .unwrap_or_else(|| panic!("no copy for {email}"));
        super::Copy::of(&mine.parsed())
    }

    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(&self.raw)
            .expect("a kept message parses")
    }
}

/// A running test server and the folder it keeps messages in.
pub struct SmtpServer {
    pub port: u16,
    pub options: Options,
    /// Where messages are kept (`<n>.eml` + `<n>.json`, names sorted by arrival).
    pub kept_dir: PathBuf,
    _dir: tempfile::TempDir,
    child: Option<Child>,
}

/// The CA that signed the test server's certificate (for `[smtp] ca_file`).
pub fn test_ca() -> PathBuf {
    project_dir().join("tests/fixtures/tls/ca.pem")
}

impl SmtpServer {
    /// A plain server with no AUTH.
    pub fn start() -> SmtpServer {
        SmtpServer::start_with(Options::default())
    }

    pub fn start_with(options: Options) -> SmtpServer {
        let dir = tempfile::tempdir().unwrap();
        let mut server = SmtpServer {
            port: 0,
            options,
            kept_dir: dir.path().join("kept"),
            _dir: dir,
            child: None,
        };
        // A free port can be taken by someone else before the server binds it: retry.
        for _ in 0..5 {
            server.port = free_port();
            if server.spawn() {
                return server;
            }
        }
        panic!("the test SMTP server did not start (is python3-aiosmtpd installed?)");
    }

    /// Stops the server (kills it): clients see the connection lost, or refused.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port, keeping into the same folder.
    pub fn restart(&mut self) {
        self.stop();
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.spawn() {
            assert!(
                Instant::now() < deadline,
                "the test SMTP server did not restart"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Every message kept so far, in the order accepted.
    pub fn kept(&self) -> Vec<Kept> {
        let Ok(entries) = std::fs::read_dir(&self.kept_dir) else {
            return Vec::new();
        };
        let mut names: Vec<PathBuf> = entries
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|e| e == "eml"))
            .collect();
        names.sort();
        names.iter().map(|path| read_kept(path)).collect()
    }

    /// Waits until at least `count` messages are kept (at most 30 s), and returns them all.
    pub fn wait_for(&self, count: usize) -> Vec<Kept> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let kept = self.kept();
            if kept.len() >= count || Instant::now() > deadline {
                return kept;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Starts the process and waits until it accepts connections; false if it exited.
    fn spawn(&mut self) -> bool {
        let tls = project_dir().join("tests/fixtures/tls");
        let (cert, key) = (tls.join("server.pem"), tls.join("server.key"));
        let mut command = Command::new("/usr/bin/python3");
        command
            .arg(project_dir().join("tests/servers/keeper.py"))
            .arg("--dir")
            .arg(&self.kept_dir)
            .args(["--port", &self.port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        match self.options.security {
            Security::Plain => {}
            Security::StartTls => {
                command.arg("--starttls").arg(&cert).arg(&key);
            }
            Security::Smtps => {
                command.arg("--smtps").arg(&cert).arg(&key);
            }
        }
        if self.options.auth {
            command.args(["--auth", &format!("{USER}:{PASSWORD}")]);
        }
        if let Some(rules) = &self.options.rules {
            command.arg("--rules").arg(rules);
        }
        let mut child = command.spawn().expect("/usr/bin/python3 runs");
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if child.try_wait().unwrap().is_some() {
                return false;
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                self.child = Some(child);
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        false
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A loopback port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn read_kept(eml: &Path) -> Kept {
    let raw = std::fs::read(eml).unwrap();
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(eml.with_extension("json")).unwrap()).unwrap();
    let text = |key: &str| meta[key].as_str().unwrap_or_default().to_string();
    Kept {
        raw,
        mail_from: text("mail_from"),
        rcpt_tos: meta["rcpt_tos"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(String::from))
            .collect(),
        peer: text("peer"),
        received_at: meta["received_at"].as_f64().unwrap_or_default(),
        tls: meta["tls"].as_bool().unwrap_or_default(),
        auth: meta["auth"].as_str().map(String::from),
    }
}
