//! The measured processes: Python's `email` package over the messages, and `circulars serve`
//! reading them from its Maildir inbox until every one is stored and processed. Peak memory
//! is each child's own `ru_maxrss` from `wait4`.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Parses each file with `policy.default` and gets its body text, as a reader would.
const PYTHON: &str = r#"
import email, os, sys, time
from email import policy
folder = sys.argv[1]
raws = [open(os.path.join(folder, f), 'rb').read() for f in sorted(os.listdir(folder))]
start = time.perf_counter()
for raw in raws:
    try:
        message = email.message_from_bytes(raw, policy=policy.default)
        body = message.get_body(preferencelist=('plain', 'html'))
        if body is not None:
            body.get_content()
    except Exception:
        pass
print(len(raws), time.perf_counter() - start)
"#;

/// A child's end: its peak resident memory (MB) and how it exited.
pub struct Reaped {
    pub peak_mb: f64,
    /// User and system CPU time, in seconds.
    pub cpu_seconds: f64,
    pub success: bool,
}

/// Python's rate (messages per second, parsing only: reading the files is left out) and
/// peak memory over the files of `folder`.
pub fn python(folder: &Path) -> (f64, f64) {
    let child = Command::new("/usr/bin/python3")
        .args(["-c", PYTHON])
        .arg(folder)
        .stdout(Stdio::piped())
        .spawn()
        .expect("/usr/bin/python3");
    let (output, reaped) = wait_output(child);
    assert!(reaped.success, "python failed");
    let mut words = output.split_whitespace();
    let count: f64 = words.next().and_then(|w| w.parse().ok()).expect("a count");
    let seconds: f64 = words.next().and_then(|w| w.parse().ok()).expect("seconds");
    (count / seconds, reaped.peak_mb)
}

fn wait_output(mut child: Child) -> (String, Reaped) {
    let mut stdout = child.stdout.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut text).map(|_| text)
    });
    let reaped = reap(&child, None);
    let text = reader.join().expect("reader").expect("python's output");
    (text, reaped)
}

/// Starts `serve` in `dir` (its inbox already filled) on database `url`.
pub fn serve(dir: &Path, url: &str, port: u16) -> Child {
    let project = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut command = Command::new(env!("CARGO_BIN_EXE_circulars"));
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("CIRCULARS_")) {
        command.env_remove(key);
    }
    command
        .current_dir(dir)
        .arg("serve")
        .env("CIRCULARS_DATABASE_URL", url)
        .env("CIRCULARS_HTTP_BIND", format!("127.0.0.1:{port}"))
        .env("CIRCULARS_TEMPLATES_DIR", project.join("templates"))
        .env("CIRCULARS_SECRET", "bench-secret-bench-secret-bench-secret")
        .env("CIRCULARS_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("circulars serve")
}

fn seconds(time: libc::timeval) -> f64 {
    time.tv_sec as f64 + time.tv_usec as f64 / 1e6
}

/// Waits for `child` to exit, sending `SIGTERM` first when `term` is given; then reaps it.
pub fn reap(child: &Child, term: Option<Duration>) -> Reaped {
    let pid = i32::try_from(child.id()).expect("PIDs fit in pid_t");
    if term.is_some() {
        // SAFETY: `pid` is our own child, not yet reaped, so it names no other process.
        unsafe { libc::kill(pid, libc::SIGTERM) };
    }
    let started = Instant::now();
    loop {
        let mut status = 0;
        // SAFETY: an all-zero `rusage` is a valid value of this plain C struct.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: both pointers are to live locals of the right types.
        let reaped = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if reaped == pid {
            return Reaped {
                peak_mb: usage.ru_maxrss as f64 / 1024.0,
                cpu_seconds: seconds(usage.ru_utime) + seconds(usage.ru_stime),
                success: libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
            };
        }
        assert!(reaped == 0, "wait4: {}", std::io::Error::last_os_error());
        if let Some(grace) = term
            && started.elapsed() > grace
        {
            // SAFETY: as above; still our unreaped child.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}
