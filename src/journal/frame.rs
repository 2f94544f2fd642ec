//! Frames: `u32 LE payload length | u32 LE CRC32C(kind || payload) | u8 kind | payload`.

use super::error::{Error, ErrorKind, Result};

/// Bytes before a frame's payload: length (4), CRC32C (4), kind (1).
pub const FRAME_HEADER_LEN: usize = 9;

/// The largest payload a frame may carry: 16 MiB. A bigger one is refused by
/// [`Journal::append`](super::Journal::append); a length field above it is
/// read as damage, never as a frame.
pub const MAX_PAYLOAD: usize = 16 << 20;

/// What a frame holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FrameKind {
    /// Kind byte 1: an event, as its canonical compact JSON line without the
    /// newline.
    Event,
    /// Kind byte 2: a signed checkpoint's text.
    Checkpoint,
}

impl FrameKind {
    /// The kind byte written to disk.
    pub fn byte(self) -> u8 {
        match self {
            FrameKind::Event => 1,
            FrameKind::Checkpoint => 2,
        }
    }

    /// The kind for a byte read from disk; `None` for a reserved one.
    pub fn from_byte(b: u8) -> Option<Self> {
        match b {
            1 => Some(FrameKind::Event),
            2 => Some(FrameKind::Checkpoint),
            _ => None,
        }
    }
}

/// The CRC32C (Castagnoli) a frame stores: over the kind byte, then the payload.
pub fn frame_crc(kind: u8, payload: &[u8]) -> u32 {
    crc32c::crc32c_append(crc32c::crc32c(&[kind]), payload)
}

/// Appends the frame for (`kind`, `payload`) to `out`; refuses a payload over
/// [`MAX_PAYLOAD`].
pub fn encode_frame(kind: FrameKind, payload: &[u8], out: &mut Vec<u8>) -> Result<()> {
    if payload.len() > MAX_PAYLOAD {
        return Err(Error::new(
            ErrorKind::TooLarge,
            format!(
                "a journal frame's payload is {} bytes; the most is {MAX_PAYLOAD}",
                payload.len()
            ),
        ));
    }
    let kind = kind.byte();
    out.reserve(FRAME_HEADER_LEN + payload.len());
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&frame_crc(kind, payload).to_le_bytes());
    out.push(kind);
    out.extend_from_slice(payload);
    Ok(())
}

/// What the bytes at an offset hold.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Parsed {
    /// A complete frame whose CRC matches: its kind byte and payload, and its
    /// total length (header included).
    Frame { kind: u8, payload_len: usize },
    /// Not a frame: why.
    Bad(Damage),
}

/// Why the bytes at an offset are not a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Damage {
    /// The file ends inside the frame's header or payload.
    Incomplete,
    /// The length field exceeds [`MAX_PAYLOAD`].
    TooLong,
    /// The CRC does not match the kind and payload.
    BadCrc,
}

impl Damage {
    /// A few words for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Damage::Incomplete => "an incomplete frame",
            Damage::TooLong => "a frame length over the 16 MiB limit",
            Damage::BadCrc => "a frame whose CRC32C does not match",
        }
    }
}

/// Parses the frame at the start of `buf`. `buf` must hold everything up to
/// the end of the file, or at least the whole frame: a short `buf` reads as
/// [`Damage::Incomplete`].
pub(crate) fn parse(buf: &[u8]) -> Parsed {
    if buf.len() < FRAME_HEADER_LEN {
        return Parsed::Bad(Damage::Incomplete);
    }
    let len = u32::from_le_bytes(buf[0..4].try_into().unwrap()) as usize;
    if len > MAX_PAYLOAD {
        return Parsed::Bad(Damage::TooLong);
    }
    if buf.len() < FRAME_HEADER_LEN + len {
        return Parsed::Bad(Damage::Incomplete);
    }
    let crc = u32::from_le_bytes(buf[4..8].try_into().unwrap());
    let kind = buf[8];
    if frame_crc(kind, &buf[FRAME_HEADER_LEN..FRAME_HEADER_LEN + len]) != crc {
        return Parsed::Bad(Damage::BadCrc);
    }
    Parsed::Frame {
        kind,
        payload_len: len,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_round_trips_and_every_damage_is_seen() {
        let mut buf = Vec::new();
        encode_frame(FrameKind::Event, b"{\"seq\":1}", &mut buf).unwrap();
        assert_eq!(buf.len(), FRAME_HEADER_LEN + 9);
        assert_eq!(&buf[0..4], &9u32.to_le_bytes());
        assert_eq!(buf[8], 1);
        assert_eq!(
            parse(&buf),
            Parsed::Frame {
                kind: 1,
                payload_len: 9
            }
        );
        for cut in 0..buf.len() {
            assert_eq!(parse(&buf[..cut]), Parsed::Bad(Damage::Incomplete));
        }
        for bit in 32..buf.len() * 8 {
            let mut flipped = buf.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            assert_eq!(parse(&flipped), Parsed::Bad(Damage::BadCrc), "bit {bit}");
        }
        let mut long = buf.clone();
        long[0..4].copy_from_slice(&(MAX_PAYLOAD as u32 + 1).to_le_bytes());
        assert_eq!(parse(&long), Parsed::Bad(Damage::TooLong));
        assert_eq!(parse(&[0; 64]), Parsed::Bad(Damage::BadCrc));
    }

    #[test]
    fn the_crc_is_castagnoli() {
        // The check value of CRC-32C (RFC 3720, appendix B.4): "123456789".
        assert_eq!(crc32c::crc32c(b"123456789"), 0xE306_9283);
        assert_eq!(frame_crc(b'1', b"23456789"), 0xE306_9283);
    }

    #[test]
    fn an_oversized_payload_is_refused() {
        let big = vec![0u8; MAX_PAYLOAD + 1];
        let mut out = Vec::new();
        let e = encode_frame(FrameKind::Checkpoint, &big, &mut out).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::TooLarge);
        assert!(out.is_empty());
        encode_frame(FrameKind::Checkpoint, &big[1..], &mut out).unwrap();
    }
}
