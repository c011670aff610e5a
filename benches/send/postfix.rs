//! Postfix's test servers on loopback: `smtp-sink` receives (and discards) what the daemon
//! and `smtp-source` send; `smtp-source` is the reference client the daemon is compared to.

use std::fs::File;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use crate::child::Finished;

/// A running `smtp-sink`, stopped (by its PID) when dropped.
pub struct Sink {
    child: Child,
    /// The loopback port it listens on.
    pub port: u16,
    /// Its running counters (`-c`), to tell how many messages really arrived.
    counters: PathBuf,
}

impl Sink {
    /// Starts `smtp-sink` on a free loopback port and waits until it accepts connections;
    /// its counters go to a file in `dir`.
    pub fn start(dir: &Path) -> Sink {
        let port = free_port();
        let counters = dir.join("smtp-sink.counters");
        let child = Command::new("/usr/sbin/smtp-sink")
            // As root, `-u` is required: it drops to `nobody` once the socket is open.
            .args(["-c", "-u", "nobody", &format!("127.0.0.1:{port}"), "1024"])
            .stdout(File::create(&counters).expect("a counters file"))
            .spawn()
            .expect("postfix's smtp-sink in /usr/sbin (apt-get install postfix)");
        let sink = Sink {
            child,
            port,
            counters,
        };
        wait_listening(port);
        sink
    }

    /// Messages received so far (`mesg=N`, the last of the `\r`-separated counter lines).
    pub fn received(&self) -> u64 {
        let text = std::fs::read_to_string(&self.counters).unwrap_or_default();
        text.rsplit('\r')
            .find_map(|line| line.split_once("mesg=")?.1.trim().parse().ok())
            .unwrap_or(0)
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        // `Child::kill` signals this child's PID only.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port nobody listens on now (the OS picks it; we release it at once).
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
    listener.local_addr().expect("a bound address").port()
}

fn wait_listening(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "smtp-sink did not listen on 127.0.0.1:{port} within 10 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Sends `messages` messages with a `size`-byte body over `sessions` parallel sessions
/// (each kept open for the next message, `-d`), measured like the daemon.
pub fn smtp_source(port: u16, sessions: usize, messages: usize, size: usize) -> Finished {
    let mut command = Command::new("/usr/sbin/smtp-source");
    command
        .args([
            "-d",
            "-s",
            &sessions.to_string(),
            "-m",
            &messages.to_string(),
        ])
        .args(["-l", &size.to_string()])
        .args(["-f", "a@example.org", "-t", "b@example.org"])
        .arg(format!("127.0.0.1:{port}"));
    let finished =
        crate::child::run(&mut command, None).expect("postfix's smtp-source in /usr/sbin");
    assert_eq!(finished.code, Some(0), "smtp-source failed");
    finished
}
