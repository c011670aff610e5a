//! A `circulars serve` process for black-box tests: started in a folder of its own with
//! its log in a file, stopped by SIGTERM or SIGKILL, killed if a test fails.

use std::fs::File;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use super::project_dir;

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A plain HTTP/1.0 GET; returns (status, body).
pub fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.split(' ').nth(1)?.parse().ok()?;
    let body = response.split_once("\r\n\r\n")?.1.to_string();
    Some((status, body))
}

/// A running daemon; its log goes to a file, so a full pipe can never block it or the test.
pub struct Daemon {
    pub child: Child,
    pub log: PathBuf,
    pub port: u16,
}

impl Daemon {
    /// `serve` in `cwd` on the project's templates, HTTP on `port`, with `env` added.
    pub fn start(cwd: &Path, port: u16, env: &[(&str, &str)]) -> Daemon {
        Daemon::start_logging(cwd, port, env, &cwd.join("serve.log"))
    }

    /// The same, with the log in `log` (several daemons in one folder).
    pub fn start_logging(cwd: &Path, port: u16, env: &[(&str, &str)], log: &Path) -> Daemon {
        let mut command = super::binary();
        let child = command
            .current_dir(cwd)
            .arg("serve")
            .env("CIRCULARS_HTTP_BIND", format!("127.0.0.1:{port}"))
            .env("CIRCULARS_TEMPLATES_DIR", project_dir().join("templates"))
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(File::options().create(true).append(true).open(log).unwrap())
            .spawn()
            .unwrap();
        Daemon {
            child,
            log: log.to_path_buf(),
            port,
        }
    }

    pub fn signal(&self, signal: &str) {
        let kill = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(kill.success());
    }

    pub fn sigterm(&self) {
        self.signal("-TERM");
    }

    /// SIGKILL, and waits for the process to be gone.
    pub fn kill(&mut self) {
        self.signal("-KILL");
        let _ = self.child.wait();
    }

    /// Waits for the daemon to exit; a daemon still running after `limit` is killed and
    /// fails the test with its log.
    pub fn wait(&mut self, limit: Duration) -> (ExitStatus, Duration) {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (status, start.elapsed());
            }
            if start.elapsed() > limit {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("serve did not stop within {limit:?}\n{}", self.log());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until `/healthz` answers; returns the answer.
    pub fn wait_healthy(&mut self) -> (u16, String) {
        let start = Instant::now();
        loop {
            if let Some(answer) = http_get(self.port, "/healthz") {
                return answer;
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("serve exited with {status:?}\n{}", self.log());
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "serve did not answer\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        // A failed assertion must not leave a daemon running.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits up to `limit` for `done` to hold, checking every 100 ms.
pub fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    done()
}

/// The whole road on real servers: aiosmtpd, a Dovecot of its own, and a daemon sending
/// through the one and reading the other, on SQLite in a folder of its own with the sample
/// lists.
pub struct Road {
    pub smtp: super::smtp::SmtpServer,
    pub dovecot: super::dovecot::Dovecot,
    pub dir: tempfile::TempDir,
    pub db: String,
    pub daemon: Daemon,
}

impl Road {
    /// Starts it all, with `extra` variables for the daemon.
    pub fn start(extra: &[(&str, &str)]) -> Road {
        use super::dovecot::{PASSWORD, USER};
        let smtp = super::smtp::SmtpServer::start();
        let dovecot = super::dovecot::Dovecot::start();
        let dir = tempfile::tempdir().unwrap();
        super::copy_recipients(dir.path());
        let db = format!(
            "sqlite://{}",
            dir.path().join("data/circulars.db").display()
        );
        let (smtp_port, imap_port) = (smtp.port.to_string(), dovecot.port.to_string());
        let mut env = vec![
            ("CIRCULARS_DATABASE_URL", db.as_str()),
            ("CIRCULARS_SECRET", "test-secret-test-secret-test-secret"),
            ("CIRCULARS_SMTP_TRANSPORT", "smtp"),
            ("CIRCULARS_SMTP_PORT", smtp_port.as_str()),
            ("CIRCULARS_SMTP_MAX_PER_SECOND", "0"),
            ("CIRCULARS_IMAP_ENABLED", "true"),
            ("CIRCULARS_IMAP_PORT", imap_port.as_str()),
            ("CIRCULARS_IMAP_USERNAME", USER),
            ("CIRCULARS_IMAP_PASSWORD", PASSWORD),
            ("CIRCULARS_IMAP_POLL_SECONDS", "1"),
        ];
        env.extend(extra.iter().copied());
        let log = dir.path().join("serve.log");
        let daemon = Daemon::start_logging(dir.path(), free_port(), &env, &log);
        Road {
            smtp,
            dovecot,
            dir,
            db,
            daemon,
        }
    }
}
