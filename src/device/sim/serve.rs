//! Serving the simulated device: on a pseudo-terminal (opened through `serialport` by
//! path like a USB serial device) or on TCP (as Jade's QEMU emulator serves its UART on
//! port 30121, which pyserial clients such as jadepy and HWI need: they cannot drive a
//! pty, setting DTR and RTS fails there). One thread per [`Simulator`] reads requests,
//! passes them to the protocol ([`super::jade`], [`super::specter`]) and carries out what
//! comes back: writes, pauses and hang-ups.
//!
//! Invariants:
//! - Stopping the simulator (dropping [`Simulator`]) joins its thread, which owns the
//!   device and so wipes its secret, and removes the link if it is still a symlink.
//! - A pty hang-up closes the master side and opens a fresh pair, re-pointing the link
//!   (as a device that is unplugged and plugged back in); the link is an atomic rename,
//!   and only a symlink is ever replaced.
//! - A client that goes away (end of input, a failed write) ends its connection, never
//!   the simulator: the pty waits for the next client, TCP accepts the next one.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use super::{jade, specter, Act, Device, SimConfig};
use crate::device::cbor::Decoder;
use crate::device::{DeviceError, Driver};

/// One connection's parsing state.
struct Session {
    decoder: Decoder,
    line: Vec<u8>,
}

impl Session {
    fn new() -> Session {
        Session {
            decoder: Decoder::default(),
            line: Vec::new(),
        }
    }

    fn reset(&mut self) {
        self.decoder.clear();
        self.line.clear();
    }

    /// Feeds received bytes; returns what to do.
    fn feed(&mut self, device: &mut Device, bytes: &[u8]) -> Vec<Act> {
        match device.config.driver {
            Driver::Jade => jade::feed(&mut self.decoder, device, bytes),
            Driver::Specter => specter::feed(&mut self.line, device, bytes),
        }
    }
}

/// A running simulator; dropping it stops it.
pub struct Simulator {
    stop: Arc<AtomicBool>,
    replugs: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
    path: Arc<Mutex<PathBuf>>,
    link: Option<PathBuf>,
    tcp: Option<SocketAddr>,
    fingerprint: Option<String>,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("path", &self.path())
            .field("tcp", &self.tcp)
            .finish()
    }
}

fn sim_err(what: &str, e: impl std::fmt::Display) -> DeviceError {
    DeviceError::Simulator {
        problem: format!("{what}: {e}"),
    }
}

/// A new pseudo-terminal pair in raw mode: the master and the slave's path.
fn open_pty() -> Result<(OwnedFd, PathBuf), DeviceError> {
    use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};
    let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC)
        .map_err(|e| sim_err("cannot open a pseudo-terminal", e))?;
    grantpt(&master).map_err(|e| sim_err("grantpt", e))?;
    unlockpt(&master).map_err(|e| sim_err("unlockpt", e))?;
    let name = ptsname(&master, Vec::new()).map_err(|e| sim_err("ptsname", e))?;
    let path = PathBuf::from(
        name.into_string()
            .map_err(|_| sim_err("ptsname", "the name is not UTF-8"))?,
    );
    // Raw mode from the start (set through the master, it applies to the slave), so
    // nothing is echoed or translated before a client configures the port itself.
    let mut t = rustix::termios::tcgetattr(&master).map_err(|e| sim_err("tcgetattr", e))?;
    t.make_raw();
    rustix::termios::tcsetattr(&master, rustix::termios::OptionalActions::Now, &t)
        .map_err(|e| sim_err("tcsetattr", e))?;
    rustix::io::ioctl_fionbio(&master, true).map_err(|e| sim_err("non-blocking mode", e))?;
    Ok((master, path))
}

/// Points `link` at `target` atomically; refuses to replace anything but a symlink.
fn relink(link: &Path, target: &Path) -> Result<(), DeviceError> {
    if let Ok(meta) = std::fs::symlink_metadata(link) {
        if !meta.file_type().is_symlink() {
            return Err(sim_err(
                &format!("{} exists and is not a symlink", link.display()),
                "choose another --link path",
            ));
        }
    }
    let tmp = link.with_file_name(format!(
        ".{}.keyrite-sim-{}",
        link.file_name()
            .map_or_else(|| "link".into(), |n| n.to_string_lossy()),
        std::process::id()
    ));
    let _ = std::fs::remove_file(&tmp);
    std::os::unix::fs::symlink(target, &tmp)
        .map_err(|e| sim_err(&format!("cannot create {}", tmp.display()), e))?;
    std::fs::rename(&tmp, link)
        .map_err(|e| sim_err(&format!("cannot create {}", link.display()), e))
}

fn poll_one(fd: &OwnedFd, events: rustix::event::PollFlags, ms: u64) -> rustix::event::PollFlags {
    use rustix::event::{poll, PollFd};
    let mut fds = [PollFd::new(fd, events)];
    let timeout = rustix::event::Timespec {
        tv_sec: 0,
        tv_nsec: (ms * 1_000_000) as _,
    };
    match poll(&mut fds, Some(&timeout)) {
        Ok(_) => fds[0].revents(),
        Err(_) => rustix::event::PollFlags::empty(),
    }
}

enum End {
    Stopped,
    HungUp,
}

/// Writes all of `bytes` to the non-blocking master; `false` if the client is gone.
fn write_master(master: &OwnedFd, mut bytes: &[u8], stop: &AtomicBool) -> bool {
    use rustix::event::PollFlags;
    while !bytes.is_empty() {
        if stop.load(Ordering::Relaxed) {
            return false;
        }
        match rustix::io::write(master, bytes) {
            Ok(n) => bytes = &bytes[n..],
            Err(rustix::io::Errno::AGAIN) | Err(rustix::io::Errno::INTR) => {
                poll_one(master, PollFlags::OUT, 50);
            }
            Err(_) => return false,
        }
    }
    true
}

fn serve_pty(master: &OwnedFd, device: &mut Device, stop: &AtomicBool) -> End {
    use rustix::event::PollFlags;
    let mut session = Session::new();
    let mut buf = [0u8; 8192];
    loop {
        if stop.load(Ordering::Relaxed) {
            return End::Stopped;
        }
        let ev = poll_one(master, PollFlags::IN, 50);
        if !ev.contains(PollFlags::IN) {
            if ev.intersects(PollFlags::HUP | PollFlags::ERR) {
                // No client has the slave open: wait for one.
                session.reset();
                std::thread::sleep(Duration::from_millis(10));
            }
            continue;
        }
        let n = match rustix::io::read(master, &mut buf[..]) {
            Ok(0) => continue,
            Ok(n) => n,
            Err(rustix::io::Errno::AGAIN) | Err(rustix::io::Errno::INTR) => continue,
            Err(_) => {
                session.reset();
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        for act in session.feed(device, &buf[..n]) {
            match act {
                Act::Write(bytes) => {
                    if !write_master(master, &bytes, stop) {
                        session.reset();
                        break;
                    }
                }
                Act::Sleep(d) => std::thread::sleep(d),
                Act::HangUp => return End::HungUp,
            }
        }
    }
}

fn serve_tcp(mut stream: TcpStream, device: &mut Device, stop: &AtomicBool) {
    use std::io::{Read, Write};
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(50)));
    let mut session = Session::new();
    let mut buf = [0u8; 8192];
    while !stop.load(Ordering::Relaxed) {
        let n = match stream.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock
                        | std::io::ErrorKind::TimedOut
                        | std::io::ErrorKind::Interrupted
                ) =>
            {
                continue
            }
            Err(_) => return,
        };
        for act in session.feed(device, &buf[..n]) {
            match act {
                Act::Write(bytes) => {
                    if stream.write_all(&bytes).is_err() {
                        return;
                    }
                }
                Act::Sleep(d) => std::thread::sleep(d),
                Act::HangUp => {
                    let _ = stream.shutdown(std::net::Shutdown::Both);
                    return;
                }
            }
        }
    }
}

impl Simulator {
    /// Serves `config` on a new pseudo-terminal; `link`, if given, is a symlink kept
    /// pointing at the current slave.
    pub fn start_pty(config: SimConfig, link: Option<&Path>) -> Result<Simulator, DeviceError> {
        let mut device = Device::new(config)?;
        let fingerprint = device.fingerprint();
        let (master, slave) = open_pty()?;
        if let Some(link) = link {
            relink(link, &slave)?;
        }
        let stop = Arc::new(AtomicBool::new(false));
        let path = Arc::new(Mutex::new(slave));
        let link_buf = link.map(Path::to_path_buf);
        let replugs = Arc::new(AtomicUsize::new(0));
        let (stop2, path2, link2, replugs2) = (
            stop.clone(),
            path.clone(),
            link_buf.clone(),
            replugs.clone(),
        );
        let thread = std::thread::Builder::new()
            .name("keyrite-sim-pty".into())
            .spawn(move || {
                let mut master = master;
                loop {
                    match serve_pty(&master, &mut device, &stop2) {
                        End::Stopped => return,
                        End::HungUp => {
                            drop(master);
                            // Unplugged: come back as a new device node, like a replug.
                            std::thread::sleep(Duration::from_millis(10));
                            let Ok((m, slave)) = open_pty() else { return };
                            if let Some(link) = &link2 {
                                if relink(link, &slave).is_err() {
                                    return;
                                }
                            }
                            if let Ok(mut p) = path2.lock() {
                                *p = slave;
                            }
                            master = m;
                            replugs2.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                }
            })
            .map_err(|e| sim_err("cannot start a thread", e))?;
        Ok(Simulator {
            stop,
            replugs,
            thread: Some(thread),
            path,
            link: link_buf,
            tcp: None,
            fingerprint,
        })
    }

    /// Serves `config` on TCP at `addr` (port 0 picks a free one).
    pub fn start_tcp(config: SimConfig, addr: &str) -> Result<Simulator, DeviceError> {
        let mut device = Device::new(config)?;
        let fingerprint = device.fingerprint();
        let listener =
            TcpListener::bind(addr).map_err(|e| sim_err(&format!("cannot listen on {addr}"), e))?;
        let local = listener
            .local_addr()
            .map_err(|e| sim_err("local address", e))?;
        listener
            .set_nonblocking(true)
            .map_err(|e| sim_err("non-blocking mode", e))?;
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let thread = std::thread::Builder::new()
            .name("keyrite-sim-tcp".into())
            .spawn(move || {
                while !stop2.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            let _ = stream.set_nonblocking(false);
                            serve_tcp(stream, &mut device, &stop2);
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(10)),
                    }
                }
            })
            .map_err(|e| sim_err("cannot start a thread", e))?;
        Ok(Simulator {
            stop,
            replugs: Arc::new(AtomicUsize::new(0)),
            thread: Some(thread),
            path: Arc::new(Mutex::new(PathBuf::new())),
            link: None,
            tcp: Some(local),
            fingerprint,
        })
    }

    /// The path clients open: the link if there is one, else the current slave.
    pub fn path(&self) -> PathBuf {
        if let Some(link) = &self.link {
            return link.clone();
        }
        self.path.lock().map(|p| p.clone()).unwrap_or_default()
    }

    /// The current pty slave (`/dev/pts/N`).
    pub fn slave(&self) -> PathBuf {
        self.path.lock().map(|p| p.clone()).unwrap_or_default()
    }

    /// How often the pty was replaced after a hang-up (a replug).
    pub fn replugs(&self) -> usize {
        self.replugs.load(Ordering::SeqCst)
    }

    /// The TCP address, for a TCP simulator.
    pub fn tcp_addr(&self) -> Option<SocketAddr> {
        self.tcp
    }

    /// The master fingerprint the simulated device answers with (`None` if no wallet).
    pub fn fingerprint(&self) -> Option<&str> {
        self.fingerprint.as_deref()
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        if let Some(link) = &self.link {
            if std::fs::symlink_metadata(link).is_ok_and(|m| m.file_type().is_symlink()) {
                let _ = std::fs::remove_file(link);
            }
        }
    }
}
