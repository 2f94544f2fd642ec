//! File headers: the segment header, and the same layout under other magics for
//! the directory's metadata file and the checkpoint archive.
//!
//! ```text
//! offset  size  field
//! 0       8     magic ("AUDITSEG", "AUDITJNL" or "AUDITARC")
//! 8       2     format version, u16 LE (1)
//! 10      16    log id
//! 26      8     first seq, u64 LE (0 in the metadata file and the archive)
//! 34      8     creation time, i64 LE, microseconds since the Unix epoch
//! 42      4     extra length n, u32 LE (at most 1 MiB)
//! 46      n     extra (opaque; empty in the metadata file and the archive)
//! 46+n    4     CRC32C of bytes 0 .. 46+n, u32 LE
//! ```

use std::fmt;

use super::error::{Error, ErrorKind, Result};

/// The format version this library writes and reads.
pub const FORMAT_VERSION: u16 = 1;

/// The largest `extra` a segment header may carry: 1 MiB.
pub const MAX_EXTRA: usize = 1 << 20;

/// Bytes of a header before `extra`.
pub(crate) const FIXED_LEN: usize = 46;

/// Magic of a segment file.
pub(crate) const SEGMENT_MAGIC: &[u8; 8] = b"AUDITSEG";
/// Magic of the directory's metadata file, `JOURNAL`.
pub(crate) const META_MAGIC: &[u8; 8] = b"AUDITJNL";
/// Magic of the checkpoint archive, `checkpoints.arch`.
pub(crate) const ARCHIVE_MAGIC: &[u8; 8] = b"AUDITARC";

/// The 16 random bytes that name a journal, shared by all its files.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct LogId(pub [u8; 16]);

impl LogId {
    /// A fresh random id (from the operating system's random source).
    pub(crate) fn random() -> std::io::Result<Self> {
        use std::io::Read;
        let mut id = [0u8; 16];
        std::fs::File::open("/dev/urandom")?.read_exact(&mut id)?;
        Ok(LogId(id))
    }
}

impl fmt::Display for LogId {
    /// 32 lowercase hexadecimal digits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for LogId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LogId({self})")
    }
}

/// A segment's header as read from (or written to) disk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SegmentHeader {
    /// The format version ([`FORMAT_VERSION`]).
    pub version: u16,
    /// The journal's id.
    pub log_id: LogId,
    /// The seq of the first event the segment was made for (also its file name).
    pub first_seq: u64,
    /// When the segment was made, in microseconds since the Unix epoch.
    pub created_micros: i64,
    /// Opaque bytes from the caller of [`Journal::rotate`](super::Journal::rotate)
    /// (the seal layer keeps its Merkle frontier here).
    pub extra: Vec<u8>,
}

impl SegmentHeader {
    /// The encoded length of this header.
    pub fn encoded_len(&self) -> usize {
        FIXED_LEN + self.extra.len() + 4
    }

    /// The header's bytes under `magic`.
    pub(crate) fn encode(&self, magic: &[u8; 8]) -> Result<Vec<u8>> {
        if self.extra.len() > MAX_EXTRA {
            return Err(Error::new(
                ErrorKind::TooLarge,
                format!(
                    "a segment header's extra is {} bytes; the most is {MAX_EXTRA}",
                    self.extra.len()
                ),
            ));
        }
        let mut out = Vec::with_capacity(self.encoded_len());
        out.extend_from_slice(magic);
        out.extend_from_slice(&self.version.to_le_bytes());
        out.extend_from_slice(&self.log_id.0);
        out.extend_from_slice(&self.first_seq.to_le_bytes());
        out.extend_from_slice(&self.created_micros.to_le_bytes());
        out.extend_from_slice(&(self.extra.len() as u32).to_le_bytes());
        out.extend_from_slice(&self.extra);
        let crc = crc32c::crc32c(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        Ok(out)
    }
}

/// What the first bytes of a file hold.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ParsedHeader {
    /// A valid header, and its length in bytes.
    Valid(SegmentHeader, usize),
    /// The file ends inside the header (and what is there does not contradict
    /// a header: a prefix of the magic, or more).
    Incomplete,
    /// The magic is not the expected one.
    BadMagic,
    /// A version this library does not read: newer than [`FORMAT_VERSION`] (or 0).
    Version(u16),
    /// An `extra` length over [`MAX_EXTRA`].
    ExtraTooLong(u32),
    /// The CRC does not match.
    BadCrc,
}

/// Parses the header at the start of `buf`, which holds the file's first bytes
/// (all of them, or at least `FIXED_LEN + MAX_EXTRA + 4`).
pub(crate) fn parse_header(buf: &[u8], magic: &[u8; 8]) -> ParsedHeader {
    let have = buf.len().min(8);
    if buf[..have] != magic[..have] {
        return ParsedHeader::BadMagic;
    }
    if buf.len() < 10 {
        return ParsedHeader::Incomplete;
    }
    let version = u16::from_le_bytes([buf[8], buf[9]]);
    if version != FORMAT_VERSION {
        return ParsedHeader::Version(version);
    }
    if buf.len() < FIXED_LEN {
        return ParsedHeader::Incomplete;
    }
    let extra_len = u32::from_le_bytes(buf[42..46].try_into().unwrap());
    if extra_len as usize > MAX_EXTRA {
        return ParsedHeader::ExtraTooLong(extra_len);
    }
    let end = FIXED_LEN + extra_len as usize;
    if buf.len() < end + 4 {
        return ParsedHeader::Incomplete;
    }
    let crc = u32::from_le_bytes(buf[end..end + 4].try_into().unwrap());
    if crc32c::crc32c(&buf[..end]) != crc {
        return ParsedHeader::BadCrc;
    }
    ParsedHeader::Valid(
        SegmentHeader {
            version,
            log_id: LogId(buf[10..26].try_into().unwrap()),
            first_seq: u64::from_le_bytes(buf[26..34].try_into().unwrap()),
            created_micros: i64::from_le_bytes(buf[34..42].try_into().unwrap()),
            extra: buf[FIXED_LEN..end].to_vec(),
        },
        end + 4,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> SegmentHeader {
        SegmentHeader {
            version: FORMAT_VERSION,
            log_id: LogId([7; 16]),
            first_seq: 42,
            created_micros: 1_700_000_000_000_000,
            extra: b"frontier".to_vec(),
        }
    }

    #[test]
    fn a_header_round_trips_and_a_cut_or_flip_is_seen() {
        let h = sample();
        let bytes = h.encode(SEGMENT_MAGIC).unwrap();
        assert_eq!(bytes.len(), h.encoded_len());
        assert_eq!(bytes.len(), 50 + 8);
        assert_eq!(
            parse_header(&bytes, SEGMENT_MAGIC),
            ParsedHeader::Valid(h.clone(), bytes.len())
        );
        let mut longer = bytes.clone();
        longer.extend_from_slice(&[1, 2, 3]);
        assert_eq!(
            parse_header(&longer, SEGMENT_MAGIC),
            ParsedHeader::Valid(h, bytes.len())
        );
        for cut in 0..bytes.len() {
            assert_eq!(
                parse_header(&bytes[..cut], SEGMENT_MAGIC),
                ParsedHeader::Incomplete,
                "cut at {cut}"
            );
        }
        assert_eq!(parse_header(&bytes, META_MAGIC), ParsedHeader::BadMagic);
        for bit in 80..bytes.len() * 8 {
            if (42 * 8..46 * 8).contains(&bit) {
                continue; // the extra length: a different parse
            }
            let mut flipped = bytes.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            assert_eq!(
                parse_header(&flipped, SEGMENT_MAGIC),
                ParsedHeader::BadCrc,
                "bit {bit}"
            );
        }
    }

    #[test]
    fn a_newer_version_is_named_before_anything_else_is_checked() {
        let mut bytes = sample().encode(SEGMENT_MAGIC).unwrap();
        bytes[8..10].copy_from_slice(&2u16.to_le_bytes());
        assert_eq!(
            parse_header(&bytes, SEGMENT_MAGIC),
            ParsedHeader::Version(2)
        );
        assert_eq!(
            parse_header(&bytes[..10], SEGMENT_MAGIC),
            ParsedHeader::Version(2)
        );
    }

    #[test]
    fn extra_is_bounded() {
        let mut h = sample();
        h.extra = vec![0; MAX_EXTRA + 1];
        assert_eq!(
            h.encode(SEGMENT_MAGIC).unwrap_err().kind(),
            ErrorKind::TooLarge
        );
        let mut bytes = sample().encode(SEGMENT_MAGIC).unwrap();
        bytes[42..46].copy_from_slice(&(MAX_EXTRA as u32 + 1).to_le_bytes());
        assert_eq!(
            parse_header(&bytes, SEGMENT_MAGIC),
            ParsedHeader::ExtraTooLong(MAX_EXTRA as u32 + 1)
        );
    }

    #[test]
    fn a_log_id_prints_as_hex() {
        let mut id = [0u8; 16];
        id[0] = 0xab;
        id[15] = 0x01;
        assert_eq!(LogId(id).to_string(), "ab000000000000000000000000000001");
        assert_ne!(LogId::random().unwrap(), LogId::random().unwrap());
    }
}
