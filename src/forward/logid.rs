//! The log id: 16 bytes naming one audit log, half of the de-duplication key.

use std::fmt;

use crate::core::{Error, ErrorKind, Result};

/// Sixteen bytes that name one audit log (for example the journal's id), written
/// as a UUID-style hex string `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`. Together
/// with an event's seq it is the de-duplication key every format carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LogId(pub [u8; 16]);

impl LogId {
    /// A new random id (from the operating system's generator, version 4 UUID layout).
    pub fn random() -> LogId {
        use std::io::Read;
        let mut bytes = [0u8; 16];
        let filled = std::fs::File::open("/dev/urandom")
            .and_then(|mut f| f.read_exact(&mut bytes))
            .is_ok();
        if !filled {
            // No /dev/urandom: time and address entropy, still unique enough for an id.
            let mut x = crate::core::now_micros() as u64 ^ (&bytes as *const _ as u64);
            for b in bytes.iter_mut() {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *b = x as u8;
            }
        }
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        LogId(bytes)
    }

    /// Parses 32 hex digits, with or without the four dashes of the UUID layout.
    pub fn parse(text: &str) -> Result<LogId> {
        let digits: Vec<u8> = text.bytes().filter(|&b| b != b'-').collect();
        let bad = || {
            Error::new(
                ErrorKind::InvalidArgument,
                format!("log id {text:?} is not 32 hex digits"),
            )
        };
        if digits.len() != 32 {
            return Err(bad());
        }
        let mut bytes = [0u8; 16];
        for (i, pair) in digits.chunks(2).enumerate() {
            let hex = std::str::from_utf8(pair).map_err(|_| bad())?;
            bytes[i] = u8::from_str_radix(hex, 16).map_err(|_| bad())?;
        }
        Ok(LogId(bytes))
    }
}

impl LogId {
    /// The UUID-style text, `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, without
    /// allocating (every forwarded event carries it).
    pub fn hex(&self) -> [u8; 36] {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = [b'-'; 36];
        let mut at = 0;
        for (i, b) in self.0.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                at += 1;
            }
            out[at] = DIGITS[usize::from(b >> 4)];
            out[at + 1] = DIGITS[usize::from(b & 0xf)];
            at += 2;
        }
        out
    }
}

impl fmt::Display for LogId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(std::str::from_utf8(&self.hex()).expect("hex digits and dashes"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let id = LogId::random();
        assert_eq!(LogId::parse(&id.to_string()).unwrap(), id);
        assert_eq!(id.to_string().len(), 36);
        assert_eq!(
            LogId([0xab; 16]).to_string(),
            "abababab-abab-abab-abab-abababababab"
        );
        assert!(LogId::parse("xyz").is_err());
    }
}
