//! Byte transports to a device: a serial port (through `serialport`) or a TCP socket
//! (`tcp:HOST:PORT`, as Jade's QEMU emulator serves its UART), and the listing of serial
//! ports with a guess at the driver from known USB ids.
//!
//! Invariants:
//! - Serial ports open at 115200 8N1, no flow control, exclusive, with explicit timeouts;
//!   DTR and RTS are cleared right after opening (a Jade's ESP32 resets on them), best
//!   effort: on a pseudo-terminal it fails and is ignored.
//! - Every read has a deadline; a read never blocks past it. End of stream, a hang-up
//!   (`POLLHUP`, `EIO`) and a reset connection are [`DeviceError::Disconnected`].
//! - Exclusivity is released before the port is closed, so the same port can be opened
//!   again by another process (the kernel keeps `TIOCEXCL` on a pty slave otherwise).

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::Path;
use std::time::{Duration, Instant};

use serialport::{SerialPort, SerialPortType, TTYPort};

use super::{DeviceError, Driver};

/// Serial speed of Jade and Specter-DIY.
pub const BAUD_RATE: u32 = 115_200;

/// USB vendor and product ids of Jade's USB-serial bridges and ESP32-S3 native USB.
pub const JADE_USB_IDS: &[(u16, u16)] = &[
    (0x10c4, 0xea60),
    (0x1a86, 0x55d4),
    (0x0403, 0x6001),
    (0x1a86, 0x7523),
    (0x303a, 0x4001),
    (0x303a, 0x1001),
];

/// The USB vendor id of MicroPython boards (Specter-DIY enumerates as one).
pub const MICROPYTHON_VID: u16 = 0xf055;

/// What a read found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Got {
    /// This many bytes were read.
    Data(usize),
    /// Nothing arrived before the deadline.
    Nothing,
}

/// A byte link to a device.
pub trait Link: Send {
    /// Writes all of `bytes` before `deadline`.
    fn write_all(&mut self, bytes: &[u8], deadline: Instant) -> Result<(), DeviceError>;
    /// Reads what arrives, waiting until `deadline` at most.
    fn read(&mut self, buf: &mut [u8], deadline: Instant) -> Result<Got, DeviceError>;
    /// Drops bytes received but not yet read (stale replies), best effort.
    fn clear_input(&mut self);
    /// The port as the operator named it (`/dev/ttyUSB0`, `tcp:127.0.0.1:30121`).
    fn name(&self) -> &str;
}

/// The longest single wait inside a read, so a deadline is honoured closely.
const SLICE: Duration = Duration::from_millis(250);

fn remaining(deadline: Instant) -> Option<Duration> {
    let left = deadline.saturating_duration_since(Instant::now());
    (!left.is_zero()).then(|| left.min(SLICE))
}

fn is_hangup(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        e.kind(),
        BrokenPipe | ConnectionReset | ConnectionAborted | UnexpectedEof | NotConnected
    ) || e.raw_os_error() == Some(5) // EIO: a pty whose other side closed, an unplugged USB
        || e.raw_os_error() == Some(19) // ENODEV
        || e.raw_os_error() == Some(6) // ENXIO
        || e.to_string().contains("Input/output error")
}

/// A serial port.
pub struct SerialLink {
    port: TTYPort,
    name: String,
}

impl SerialLink {
    /// Opens `path` at 115200 8N1 and clears DTR and RTS (best effort).
    pub fn open(path: &str, timeout: Duration) -> Result<SerialLink, DeviceError> {
        let mut port = serialport::new(path, BAUD_RATE)
            .data_bits(serialport::DataBits::Eight)
            .parity(serialport::Parity::None)
            .stop_bits(serialport::StopBits::One)
            .flow_control(serialport::FlowControl::None)
            .timeout(timeout.min(SLICE))
            .open_native()
            .map_err(|source| DeviceError::Open {
                port: path.to_string(),
                source: Box::new(source),
            })?;
        // A Jade resets when DTR or RTS toggles; on a pty these fail, which is fine.
        let _ = port.write_data_terminal_ready(false);
        let _ = port.write_request_to_send(false);
        Ok(SerialLink {
            port,
            name: path.to_string(),
        })
    }
}

impl Drop for SerialLink {
    fn drop(&mut self) {
        let _ = self.port.set_exclusive(false);
    }
}

impl Link for SerialLink {
    fn write_all(&mut self, mut bytes: &[u8], deadline: Instant) -> Result<(), DeviceError> {
        while !bytes.is_empty() {
            let Some(wait) = remaining(deadline) else {
                return Err(DeviceError::WriteTimeout {
                    port: self.name.clone(),
                });
            };
            let _ = self.port.set_timeout(wait);
            match self.port.write(bytes) {
                Ok(0) => {
                    return Err(DeviceError::Disconnected {
                        port: self.name.clone(),
                    })
                }
                Ok(n) => bytes = &bytes[n..],
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) if is_hangup(&e) => {
                    return Err(DeviceError::Disconnected {
                        port: self.name.clone(),
                    })
                }
                Err(source) => {
                    return Err(DeviceError::Io {
                        port: self.name.clone(),
                        source,
                    })
                }
            }
        }
        Ok(())
    }

    fn read(&mut self, buf: &mut [u8], deadline: Instant) -> Result<Got, DeviceError> {
        loop {
            let Some(wait) = remaining(deadline) else {
                return Ok(Got::Nothing);
            };
            let _ = self.port.set_timeout(wait);
            match self.port.read(buf) {
                Ok(0) => {
                    return Err(DeviceError::Disconnected {
                        port: self.name.clone(),
                    })
                }
                Ok(n) => return Ok(Got::Data(n)),
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) if is_hangup(&e) => {
                    return Err(DeviceError::Disconnected {
                        port: self.name.clone(),
                    })
                }
                Err(source) => {
                    return Err(DeviceError::Io {
                        port: self.name.clone(),
                        source,
                    })
                }
            }
        }
    }

    fn clear_input(&mut self) {
        let _ = self.port.clear(serialport::ClearBuffer::Input);
    }

    fn name(&self) -> &str {
        &self.name
    }
}

/// A TCP connection (Jade's QEMU emulator, the keyrite simulator).
pub struct TcpLink {
    stream: TcpStream,
    name: String,
}

impl TcpLink {
    /// Connects to `host:port` within `timeout`.
    pub fn connect(host: &str, port: u16, timeout: Duration) -> Result<TcpLink, DeviceError> {
        let name = format!("tcp:{host}:{port}");
        let fail = |source: std::io::Error| DeviceError::Tcp {
            port: name.clone(),
            source,
        };
        let addrs: Vec<_> = (host, port).to_socket_addrs().map_err(fail)?.collect();
        let mut last =
            std::io::Error::new(std::io::ErrorKind::NotFound, "the host name has no address");
        for addr in addrs {
            match TcpStream::connect_timeout(&addr, timeout) {
                Ok(stream) => {
                    let _ = stream.set_nodelay(true);
                    return Ok(TcpLink { stream, name });
                }
                Err(e) => last = e,
            }
        }
        Err(fail(last))
    }
}

impl Link for TcpLink {
    fn write_all(&mut self, mut bytes: &[u8], deadline: Instant) -> Result<(), DeviceError> {
        while !bytes.is_empty() {
            let Some(wait) = remaining(deadline) else {
                return Err(DeviceError::WriteTimeout {
                    port: self.name.clone(),
                });
            };
            let _ = self.stream.set_write_timeout(Some(wait));
            match self.stream.write(bytes) {
                Ok(0) => {
                    return Err(DeviceError::Disconnected {
                        port: self.name.clone(),
                    })
                }
                Ok(n) => bytes = &bytes[n..],
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock
                            | std::io::ErrorKind::TimedOut
                            | std::io::ErrorKind::Interrupted
                    ) => {}
                Err(e) if is_hangup(&e) => {
                    return Err(DeviceError::Disconnected {
                        port: self.name.clone(),
                    })
                }
                Err(source) => {
                    return Err(DeviceError::Io {
                        port: self.name.clone(),
                        source,
                    })
                }
            }
        }
        Ok(())
    }

    fn read(&mut self, buf: &mut [u8], deadline: Instant) -> Result<Got, DeviceError> {
        loop {
            let Some(wait) = remaining(deadline) else {
                return Ok(Got::Nothing);
            };
            let _ = self.stream.set_read_timeout(Some(wait));
            match self.stream.read(buf) {
                Ok(0) => {
                    return Err(DeviceError::Disconnected {
                        port: self.name.clone(),
                    })
                }
                Ok(n) => return Ok(Got::Data(n)),
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock
                            | std::io::ErrorKind::TimedOut
                            | std::io::ErrorKind::Interrupted
                    ) => {}
                Err(e) if is_hangup(&e) => {
                    return Err(DeviceError::Disconnected {
                        port: self.name.clone(),
                    })
                }
                Err(source) => {
                    return Err(DeviceError::Io {
                        port: self.name.clone(),
                        source,
                    })
                }
            }
        }
    }

    fn clear_input(&mut self) {
        let _ = self.stream.set_nonblocking(true);
        let mut buf = [0u8; 4096];
        while let Ok(n) = self.stream.read(&mut buf) {
            if n == 0 {
                break;
            }
        }
        let _ = self.stream.set_nonblocking(false);
    }

    fn name(&self) -> &str {
        &self.name
    }
}

/// A serial port found on this machine.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PortInfo {
    /// The device path.
    pub path: String,
    /// How it is attached: `usb`, `pci`, `bluetooth` or `unknown`.
    pub kind: &'static str,
    /// USB vendor id.
    pub vid: Option<u16>,
    /// USB product id.
    pub pid: Option<u16>,
    /// USB serial number.
    pub serial: Option<String>,
    /// USB manufacturer string.
    pub manufacturer: Option<String>,
    /// USB product string.
    pub product: Option<String>,
    /// The driver its USB ids suggest.
    pub driver: Option<Driver>,
}

/// The driver that a USB vendor and product id suggest.
pub fn guess_driver(vid: u16, pid: u16) -> Option<Driver> {
    if JADE_USB_IDS.contains(&(vid, pid)) {
        Some(Driver::Jade)
    } else if vid == MICROPYTHON_VID {
        Some(Driver::Specter)
    } else {
        None
    }
}

/// The serial ports of this machine, with USB ids and a guessed driver.
pub fn list_ports() -> Result<Vec<PortInfo>, DeviceError> {
    // serialport's sysfs scan panics when /sys/class/tty is missing (a container).
    if cfg!(target_os = "linux") && !Path::new("/sys/class/tty").is_dir() {
        return Ok(Vec::new());
    }
    let ports = serialport::available_ports().map_err(|e| DeviceError::List {
        source: Box::new(e),
    })?;
    let mut out: Vec<PortInfo> = ports
        .into_iter()
        .map(|p| {
            let (kind, usb) = match p.port_type {
                SerialPortType::UsbPort(u) => ("usb", Some(u)),
                SerialPortType::PciPort => ("pci", None),
                SerialPortType::BluetoothPort => ("bluetooth", None),
                SerialPortType::Unknown => ("unknown", None),
            };
            PortInfo {
                path: p.port_name,
                kind,
                vid: usb.as_ref().map(|u| u.vid),
                pid: usb.as_ref().map(|u| u.pid),
                driver: usb.as_ref().and_then(|u| guess_driver(u.vid, u.pid)),
                serial: usb.as_ref().and_then(|u| u.serial_number.clone()),
                manufacturer: usb.as_ref().and_then(|u| u.manufacturer.clone()),
                product: usb.and_then(|u| u.product),
            }
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// The one port whose USB ids match `driver`, for `port: auto`.
pub fn find_auto(driver: Driver) -> Result<PortInfo, DeviceError> {
    let found: Vec<PortInfo> = list_ports()?
        .into_iter()
        .filter(|p| p.driver == Some(driver))
        .collect();
    match found.len() {
        0 => Err(DeviceError::NoDevice { driver }),
        1 => Ok(found
            .into_iter()
            .next()
            .ok_or(DeviceError::NoDevice { driver })?),
        _ => Err(DeviceError::SeveralDevices {
            driver,
            ports: found.into_iter().map(|p| p.path).collect(),
        }),
    }
}

/// The USB serial number of the port at `path`, if it is a USB port with one.
pub fn usb_serial_of(path: &str) -> Option<String> {
    let real = std::fs::canonicalize(path).ok();
    list_ports().ok()?.into_iter().find_map(|p| {
        let same = p.path == path || real.as_deref() == Some(Path::new(&p.path));
        if same {
            p.serial
        } else {
            None
        }
    })
}
