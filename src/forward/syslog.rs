//! RFC 5424 syslog over TCP with RFC 6587 octet counting, or over TLS (RFC 5425).
//!
//! Syslog has no acknowledgement of its own. An event counts as delivered when
//! the collector's TCP stack has acknowledged every byte up to the event's end
//! (the kernel's unacknowledged send queue, `TIOCOUTQ`, no longer covers it)
//! and the connection then stayed up for `settle`. Any sign of a lost
//! connection (end of stream, reset, a write that blocks past `io_timeout`,
//! bytes the peer leaves unacknowledged for `io_timeout`)
//! makes the engine reconnect and send again everything not yet settled.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Instant;

use crate::core::sync::Mutex;

use super::config::SyslogConfig;
use super::format::{write_rfc5424, SyslogHeader};
use super::logid::LogId;
use super::sink::{Interrupt, Sink};
use super::source::Item;
use crate::core::{Error, ErrorKind, Result};

/// A TCP stream that counts the bytes written to it (ciphertext, under TLS).
pub(crate) struct Counted {
    pub(crate) sock: TcpStream,
    pub(crate) written: u64,
}

impl Read for Counted {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.sock.read(buf)
    }
}

impl Write for Counted {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.sock.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.sock.flush()
    }
}

enum Conn {
    Plain(Counted),
    #[cfg(feature = "tls")]
    Tls(Box<rustls::StreamOwned<rustls::ClientConnection, Counted>>),
}

impl Conn {
    fn counted(&self) -> &Counted {
        match self {
            Conn::Plain(c) => c,
            #[cfg(feature = "tls")]
            Conn::Tls(s) => &s.sock,
        }
    }
}

/// Bytes written and not yet acknowledged by the peer's TCP stack.
#[cfg(target_os = "linux")]
fn unacknowledged(sock: &TcpStream) -> u64 {
    use std::os::fd::AsRawFd;
    let mut n: libc::c_int = 0;
    // SAFETY: TIOCOUTQ writes one int to the pointer given; the fd is open.
    let rc = unsafe { libc::ioctl(sock.as_raw_fd(), libc::TIOCOUTQ, &mut n) };
    if rc == 0 {
        n.max(0) as u64
    } else {
        0
    }
}

/// Elsewhere the send queue cannot be read: bytes count as acknowledged once
/// written, and only `settle` protects them.
#[cfg(not(target_os = "linux"))]
fn unacknowledged(_sock: &TcpStream) -> u64 {
    0
}

/// Whether the socket has something to read (data, end of stream or an error).
fn readable(sock: &TcpStream) -> bool {
    use std::os::fd::AsRawFd;
    let mut fd = libc::pollfd {
        fd: sock.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd, zero timeout.
    let rc = unsafe { libc::poll(&mut fd, 1, 0) };
    rc > 0 && fd.revents != 0
}

/// The host part of `host:port` (without IPv6 brackets).
#[cfg_attr(not(feature = "tls"), allow(dead_code))]
pub(crate) fn host_of(address: &str) -> &str {
    let host = address.rsplit_once(':').map_or(address, |(h, _)| h);
    host.trim_start_matches('[').trim_end_matches(']')
}

fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is writable for its length.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    let name = if rc == 0 {
        let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
        String::from_utf8_lossy(&buf[..end]).into_owned()
    } else {
        String::new()
    };
    let clean: String = name
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .take(255)
        .collect();
    if clean.is_empty() {
        "-".into()
    } else {
        clean
    }
}

/// One written batch: where it ends in the byte stream, how many events it
/// holds, and when the peer's TCP stack acknowledged its last byte.
struct Mark {
    end: u64,
    items: usize,
    written_at: Instant,
    acked_at: Option<Instant>,
}

pub(crate) struct SyslogSink {
    config: SyslogConfig,
    header: SyslogHeader,
    log_id: LogId,
    #[cfg(feature = "tls")]
    tls: Option<(
        Arc<rustls::ClientConfig>,
        rustls::pki_types::ServerName<'static>,
    )>,
    conn: Option<Conn>,
    /// A clone of the socket, for `interrupt` from another thread.
    slot: Arc<Mutex<Option<TcpStream>>>,
    marks: VecDeque<Mark>,
    settled: usize,
    buf: Vec<u8>,
    msg: Vec<u8>,
}

impl SyslogSink {
    pub(crate) fn new(config: &SyslogConfig, log_id: LogId) -> Result<SyslogSink> {
        let header = SyslogHeader {
            facility: config.facility,
            hostname: config.hostname.clone().unwrap_or_else(hostname),
            app_name: config.app_name.clone(),
            proc_id: std::process::id().to_string(),
            msg_id: config.msg_id.clone(),
            sd_id: config.sd_id.clone(),
        };
        header
            .check()
            .map_err(|e| Error::new(ErrorKind::InvalidArgument, e))?;
        #[cfg(feature = "tls")]
        let tls = match &config.tls {
            Some(t) => {
                let name = t
                    .server_name
                    .clone()
                    .unwrap_or_else(|| host_of(&config.address).to_owned());
                let server_name =
                    rustls::pki_types::ServerName::try_from(name.clone()).map_err(|e| {
                        Error::new(
                            ErrorKind::InvalidArgument,
                            format!("TLS server name {name:?}: {e}"),
                        )
                    })?;
                let client = super::tls::client_config(t)
                    .map_err(|e| Error::new(ErrorKind::InvalidArgument, e))?;
                Some((client, server_name))
            }
            None => None,
        };
        #[cfg(not(feature = "tls"))]
        if config.tls.is_some() {
            return Err(Error::new(
                ErrorKind::InvalidArgument,
                "this build has no TLS (cargo feature `tls`)",
            ));
        }
        Ok(SyslogSink {
            config: config.clone(),
            header,
            log_id,
            #[cfg(feature = "tls")]
            tls,
            conn: None,
            slot: Arc::new(Mutex::new(None)),
            marks: VecDeque::new(),
            settled: 0,
            buf: Vec::new(),
            msg: Vec::new(),
        })
    }

    fn tcp(&self) -> std::result::Result<TcpStream, String> {
        let address = &self.config.address;
        let addrs = address
            .to_socket_addrs()
            .map_err(|e| format!("resolving {address}: {e}"))?;
        let mut last = format!("{address} resolves to no address");
        for addr in addrs {
            match TcpStream::connect_timeout(&addr, self.config.connect_timeout) {
                Ok(sock) => {
                    let setup = || -> io::Result<()> {
                        sock.set_nodelay(true)?;
                        sock.set_write_timeout(Some(self.config.io_timeout))?;
                        sock.set_read_timeout(Some(self.config.io_timeout))
                    };
                    setup().map_err(|e| format!("setting up {addr}: {e}"))?;
                    return Ok(sock);
                }
                Err(e) => last = format!("connecting to {addr}: {e}"),
            }
        }
        Err(last)
    }

    /// Reads whatever the collector sent; an error if it closed the connection.
    fn check_alive(&mut self) -> std::result::Result<(), String> {
        let Some(conn) = &mut self.conn else {
            return Err("not connected".into());
        };
        if !readable(&conn.counted().sock) {
            return Ok(());
        }
        let mut scratch = [0u8; 4096];
        match conn {
            Conn::Plain(c) => match c.sock.read(&mut scratch) {
                Ok(0) => Err("the collector closed the connection".into()),
                Ok(_) => Ok(()),
                Err(e) if would_block(&e) => Ok(()),
                Err(e) => Err(format!("connection lost: {e}")),
            },
            #[cfg(feature = "tls")]
            Conn::Tls(s) => {
                match s.conn.read_tls(&mut s.sock) {
                    Ok(0) => return Err("the collector closed the connection".into()),
                    Ok(_) => {}
                    Err(e) if would_block(&e) => return Ok(()),
                    Err(e) => return Err(format!("connection lost: {e}")),
                }
                s.conn
                    .process_new_packets()
                    .map_err(|e| format!("TLS: {e}"))?;
                match s.conn.reader().read(&mut scratch) {
                    Ok(0) => Err("the collector ended the TLS session".into()),
                    Ok(_) => Ok(()),
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(()),
                    Err(e) => Err(format!("TLS: {e}")),
                }
            }
        }
    }
}

fn would_block(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

impl Sink for SyslogSink {
    fn connect(&mut self) -> std::result::Result<(), String> {
        self.disconnect();
        let sock = self.tcp()?;
        *self.slot.lock() = sock.try_clone().ok();
        let counted = Counted { sock, written: 0 };
        #[cfg(feature = "tls")]
        if let Some((client, name)) = &self.tls {
            let conn = rustls::ClientConnection::new(client.clone(), name.clone())
                .map_err(|e| format!("TLS: {e}"))?;
            let mut stream = rustls::StreamOwned::new(conn, counted);
            while stream.conn.is_handshaking() {
                stream
                    .conn
                    .complete_io(&mut stream.sock)
                    .map_err(|e| format!("TLS handshake with {}: {e}", self.config.address))?;
            }
            self.conn = Some(Conn::Tls(Box::new(stream)));
            return Ok(());
        }
        self.conn = Some(Conn::Plain(counted));
        Ok(())
    }

    fn disconnect(&mut self) {
        if let Some(conn) = self.conn.take() {
            match conn {
                Conn::Plain(c) => {
                    let _ = c.sock.shutdown(Shutdown::Both);
                }
                #[cfg(feature = "tls")]
                Conn::Tls(mut s) => {
                    s.conn.send_close_notify();
                    let _ = s.conn.write_tls(&mut s.sock);
                    let _ = s.sock.sock.shutdown(Shutdown::Both);
                }
            }
        }
        *self.slot.lock() = None;
        self.marks.clear();
        self.settled = 0;
    }

    fn send(&mut self, items: &[Item]) -> std::result::Result<(), String> {
        self.buf.clear();
        for item in items {
            self.msg.clear();
            write_rfc5424(&mut self.msg, &self.header, &self.log_id, &item.event);
            self.buf
                .extend_from_slice(itoa::Buffer::new().format(self.msg.len()).as_bytes());
            self.buf.push(b' ');
            self.buf.extend_from_slice(&self.msg);
        }
        let conn = self.conn.as_mut().ok_or("not connected")?;
        let result = match conn {
            Conn::Plain(c) => c.write_all(&self.buf).and_then(|()| c.flush()),
            #[cfg(feature = "tls")]
            Conn::Tls(s) => s.write_all(&self.buf).and_then(|()| s.flush()),
        };
        result.map_err(|e| {
            if would_block(&e) {
                format!(
                    "the collector stopped reading (a write blocked for {:?})",
                    self.config.io_timeout
                )
            } else {
                format!("writing to {}: {e}", self.config.address)
            }
        })?;
        let end = conn.counted().written;
        self.marks.push_back(Mark {
            end,
            items: items.len(),
            written_at: Instant::now(),
            acked_at: None,
        });
        Ok(())
    }

    fn acked(&mut self) -> std::result::Result<usize, String> {
        self.check_alive()?;
        let Some(conn) = &self.conn else {
            return Err("not connected".into());
        };
        let counted = conn.counted();
        let acked_bytes = counted
            .written
            .saturating_sub(unacknowledged(&counted.sock));
        let now = Instant::now();
        for mark in self.marks.iter_mut() {
            if mark.end > acked_bytes {
                break;
            }
            mark.acked_at.get_or_insert(now);
        }
        if let Some(stuck) = self.marks.iter().find(|m| m.acked_at.is_none()) {
            if now.duration_since(stuck.written_at) >= self.config.io_timeout {
                return Err(format!(
                    "the collector stopped reading ({} bytes unacknowledged for {:?})",
                    counted.written - acked_bytes,
                    self.config.io_timeout
                ));
            }
        }
        while let Some(mark) = self.marks.front() {
            match mark.acked_at {
                Some(at) if now.duration_since(at) >= self.config.settle => {
                    self.settled += mark.items;
                    self.marks.pop_front();
                }
                _ => break,
            }
        }
        Ok(self.settled)
    }

    fn interrupt(&self) -> Option<Interrupt> {
        let slot = self.slot.clone();
        Some(Arc::new(move || {
            if let Some(sock) = slot.lock().as_ref() {
                let _ = sock.shutdown(Shutdown::Both);
            }
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_part() {
        assert_eq!(host_of("127.0.0.1:514"), "127.0.0.1");
        assert_eq!(host_of("[::1]:514"), "::1");
        assert_eq!(host_of("logs.example:6514"), "logs.example");
        assert!(!hostname().is_empty());
    }
}
