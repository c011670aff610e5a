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
