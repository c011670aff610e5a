//! A real Dovecot IMAP server for tests: one per test, in a folder of its own, on free
//! loopback ports for IMAP (with STARTTLS) and IMAPS, with one passwd-file user and the
//! test certificate of `tests/fixtures/tls/`. Run in the foreground as a child we own,
//! killed when dropped.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::daemon::free_port;
use super::project_dir;

/// The test user and its password.
pub const USER: &str = "circ";
pub const PASSWORD: &str = "imap-test-secret";
/// The uid and gid mail is kept as (`nobody`): Dovecot refuses root as a mail user.
const MAIL_ID: u32 = 65534;

/// What kind of server to start.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Leave `IDLE` out of the capabilities, so clients must poll.
    pub no_idle: bool,
}

/// One message in the mailbox, as `doveadm fetch` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub uid: u32,
    pub flags: Vec<String>,
}

/// A running Dovecot and its folder.
pub struct Dovecot {
    /// Plain IMAP (STARTTLS offered).
    pub port: u16,
    /// IMAP over TLS from the first byte.
    pub tls_port: u16,
    pub dir: PathBuf,
    conf: PathBuf,
    child: Option<Child>,
    _dir: tempfile::TempDir,
}

/// The CA that signed the test certificate (for `[imap] ca_file`).
pub fn test_ca() -> PathBuf {
    project_dir().join("tests/fixtures/tls/ca.pem")
}

impl Dovecot {
    pub fn start() -> Dovecot {
        Dovecot::start_with(Options::default())
    }

    pub fn start_with(options: Options) -> Dovecot {
        let dir = tempfile::tempdir().unwrap();
        // Dovecot's processes run as other users: they must reach the folder.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let path = dir.path().to_path_buf();
        let mail = path.join("mail").join(USER);
        std::fs::create_dir_all(&mail).unwrap();
        std::os::unix::fs::chown(path.join("mail"), Some(MAIL_ID), Some(MAIL_ID)).unwrap();
        std::os::unix::fs::chown(&mail, Some(MAIL_ID), Some(MAIL_ID)).unwrap();
        let mut server = Dovecot {
            port: 0,
            tls_port: 0,
            conf: path.join("dovecot.conf"),
            dir: path,
            child: None,
            _dir: dir,
        };
        server.set_password(PASSWORD);
        // A free port can be taken by someone else before Dovecot binds it: retry.
        for _ in 0..5 {
            (server.port, server.tls_port) = (free_port(), free_port());
            std::fs::write(&server.conf, server.config(&options)).unwrap();
            if server.spawn() {
                return server;
            }
        }
        panic!(
            "Dovecot did not start (is dovecot-imapd installed?)\n{}",
            server.log()
        );
    }

    /// Gives [`USER`] another password; Dovecot reads the file again at the next login.
    pub fn set_password(&self, password: &str) {
        let mail = self.dir.join("mail").join(USER);
        let line = format!(
            "{USER}:{{PLAIN}}{password}:{MAIL_ID}:{MAIL_ID}::{}::\n",
            mail.display()
        );
        std::fs::write(self.dir.join("passwd"), line).unwrap();
    }

    /// Delivers one message as an MTA would (`dovecot-lda`): INTERNALDATE is now.
    pub fn deliver(&self, raw: &[u8]) {
        let mut lda = Command::new("/usr/lib/dovecot/dovecot-lda")
            .arg("-c")
            .arg(&self.conf)
            .args(["-d", USER, "-f", "sender@example.org"])
            .stdin(Stdio::piped())
            .spawn()
            .expect("dovecot-lda runs");
        lda.stdin.take().unwrap().write_all(raw).unwrap();
        assert!(lda.wait().unwrap().success(), "dovecot-lda failed");
    }

    /// Appends one message over IMAP with the INTERNALDATE given (`01-Feb-2026 10:00:00
    /// +0100`); returns its UID.
    pub fn append(&self, raw: &[u8], internal_date: &str) -> u32 {
        let stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut writer = stream;
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        write!(writer, "a LOGIN {USER} {PASSWORD}\r\n").unwrap();
        read_tagged(&mut reader, "a");
        write!(
            writer,
            "b APPEND INBOX \"{internal_date}\" {{{}+}}\r\n",
            raw.len()
        )
        .unwrap();
        writer.write_all(raw).unwrap();
        writer.write_all(b"\r\n").unwrap();
        let done = read_tagged(&mut reader, "b");
        write!(writer, "c LOGOUT\r\n").unwrap();
        read_tagged(&mut reader, "c");
        // "b OK [APPENDUID <validity> <uid>] Append completed"
        done.split_whitespace()
            .nth(4)
            .and_then(|uid| uid.trim_end_matches(']').parse().ok())
            .unwrap_or_else(|| panic!("no APPENDUID in {done:?}"))
    }

    /// Every message in INBOX with its flags and keywords.
    pub fn mails(&self) -> Vec<Mail> {
        let output = self
            .doveadm()
            .args(["-f", "tab", "fetch", "-u", USER, "uid flags"])
            .args(["mailbox", "INBOX", "ALL"])
            .output()
            .unwrap();
        assert!(output.status.success(), "doveadm fetch failed");
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .skip(1)
            .map(|line| {
                let (uid, flags) = line.split_once('\t').unwrap_or((line, ""));
                Mail {
                    uid: uid.trim().parse().unwrap(),
                    flags: flags.split_whitespace().map(String::from).collect(),
                }
            })
            .collect()
    }

    /// The UIDs of the messages carrying `keyword`.
    pub fn flagged(&self, keyword: &str) -> Vec<u32> {
        self.mails()
            .into_iter()
            .filter(|mail| mail.flags.iter().any(|flag| flag == keyword))
            .map(|mail| mail.uid)
            .collect()
    }

    /// Stops Dovecot and every process it started: clients see their connections dropped,
    /// then refused, as after `systemctl stop dovecot`.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // The master leaves its imap processes running when it stops (Dovecot 2.3):
            // they are killed by PID once it has gone, as systemd would kill its cgroup.
            let processes = children_of(child.id());
            signal("-TERM", child.id());
            let deadline = Instant::now() + Duration::from_secs(10);
            while child.try_wait().unwrap().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
            for pid in processes {
                signal("-KILL", pid);
            }
        }
    }

    /// Stops it and starts it again on the same ports, with the same mail.
    pub fn restart(&mut self) {
        self.stop();
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.spawn() {
            assert!(
                Instant::now() < deadline,
                "Dovecot did not restart\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Dovecot's own log.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("dovecot.log")).unwrap_or_default()
    }

    fn doveadm(&self) -> Command {
        let mut command = Command::new("doveadm");
        command.arg("-c").arg(&self.conf);
        command
    }

    /// Starts the master in the foreground; true once both ports accept connections.
    fn spawn(&mut self) -> bool {
        let mut child = Command::new("dovecot")
            .arg("-c")
            .arg(&self.conf)
            .arg("-F")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("dovecot runs");
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if child.try_wait().unwrap().is_some() {
                return false;
            }
            let up = |port| TcpStream::connect(("127.0.0.1", port)).is_ok();
            if up(self.port) && up(self.tls_port) {
                self.child = Some(child);
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        false
    }

    fn config(&self, options: &Options) -> String {
        let dir = self.dir.display();
        let tls = project_dir().join("tests/fixtures/tls");
        let capability = if options.no_idle {
            "imap_capability = IMAP4rev1 SASL-IR LITERAL+ STARTTLS AUTH=PLAIN\n"
        } else {
            ""
        };
        format!(
            "base_dir = {dir}/run\n\
             state_dir = {dir}/state\n\
             log_path = {dir}/dovecot.log\n\
             protocols = imap\n\
             listen = 127.0.0.1\n\
             ssl = yes\n\
             ssl_cert = <{cert}\n\
             ssl_key = <{key}\n\
             disable_plaintext_auth = no\n\
             auth_mechanisms = plain login\n\
             auth_failure_delay = 0\n\
             first_valid_uid = 1\n\
             mail_location = maildir:~/Maildir\n\
             {capability}\
             passdb {{\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u {dir}/passwd\n}}\n\
             userdb {{\n  driver = passwd-file\n  args = username_format=%u {dir}/passwd\n}}\n\
             service imap-login {{\n\
               inet_listener imap {{\n    address = 127.0.0.1\n    port = {port}\n  }}\n\
               inet_listener imaps {{\n    address = 127.0.0.1\n    port = {tls_port}\n    ssl = yes\n  }}\n\
             }}\n",
            cert = tls.join("server.pem").display(),
            key = tls.join("server.key").display(),
            port = self.port,
            tls_port = self.tls_port,
        )
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        self.stop();
    }
}

fn signal(signal: &str, pid: u32) {
    let _ = Command::new("kill")
        .args([signal, &pid.to_string()])
        .stderr(Stdio::null())
        .status();
}

/// The processes whose parent is `parent`, from `/proc`.
fn children_of(parent: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            // "pid (name) state ppid ...": the name may hold spaces, so read after ')'.
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok());
            ppid == Some(parent)
        })
        .collect()
}

/// Reads lines up to the tagged answer to `tag`; panics unless it is OK.
fn read_tagged(reader: &mut impl BufRead, tag: &str) -> String {
    loop {
        let mut line = String::new();
        assert!(
            reader.read_line(&mut line).unwrap() > 0,
            "IMAP connection closed"
        );
        if let Some(rest) = line.strip_prefix(&format!("{tag} ")) {
            assert!(rest.starts_with("OK"), "IMAP {tag}: {line}");
            return line.trim_end().to_string();
        }
    }
}

/// A small message with a Message-ID of its own.
pub fn message(n: usize) -> Vec<u8> {
    format!(
        "From: Member {n} <member{n}@example.org>\r\n\
         To: circulars@uclg.example.org\r\n\
         Subject: Reply {n}\r\n\
         Date: Mon, 5 Jan 2026 09:00:00 +0000\r\n\
         Message-ID: <reply-{n}@example.org>\r\n\
         \r\n\
         I will attend ({n}).\r\n"
    )
    .into_bytes()
}
