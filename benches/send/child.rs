//! A child process timed and measured from outside: its peak resident memory comes from
//! `wait4`'s `ru_maxrss`, so it is the child's own, never this bench's.

use std::io;
use std::process::Command;
use std::time::{Duration, Instant};

/// How a measured child ended.
pub struct Finished {
    /// Exit status (`WEXITSTATUS`), or `None` when a signal ended it.
    pub code: Option<i32>,
    /// Peak resident set size, in MB (from KiB).
    pub peak_mb: f64,
    /// From spawn to exit.
    pub wall: Duration,
    /// CPU time, user and system, of the child and of the children it waited for.
    pub cpu: Duration,
    /// Whether the time limit ran out and the child was sent `SIGTERM`.
    pub stopped: bool,
}

/// Runs `command` to its end; past `limit` it gets `SIGTERM` (once) and is waited for.
pub fn run(command: &mut Command, limit: Option<Duration>) -> io::Result<Finished> {
    let started = Instant::now();
    let child = command.spawn()?;
    let pid = i32::try_from(child.id()).expect("PIDs fit in pid_t");
    let mut stopped = false;
    loop {
        if let Some((status, usage)) = reap(pid)? {
            return Ok(Finished {
                code: libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
                peak_mb: usage.ru_maxrss as f64 / 1024.0,
                wall: started.elapsed(),
                cpu: seconds(usage.ru_utime) + seconds(usage.ru_stime),
                stopped,
            });
        }
        if !stopped && limit.is_some_and(|limit| started.elapsed() > limit) {
            // SAFETY: `pid` is our own child, not yet reaped, so it names no other process.
            unsafe { libc::kill(pid, libc::SIGTERM) };
            stopped = true;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The status and resource usage of `pid` if it has exited, without blocking.
fn reap(pid: i32) -> io::Result<Option<(i32, libc::rusage)>> {
    let mut status = 0;
    // SAFETY: an all-zero `rusage` is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers are to live locals of the right types.
    let reaped = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
    match reaped {
        0 => Ok(None),
        -1 => Err(io::Error::last_os_error()),
        _ => Ok(Some((status, usage))),
    }
}

fn seconds(time: libc::timeval) -> Duration {
    let micros = time.tv_sec as f64 * 1e6 + time.tv_usec as f64;
    Duration::from_secs_f64(micros.max(0.0) / 1e6)
}
