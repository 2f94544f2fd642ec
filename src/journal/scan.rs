//! Reading files of frames: a forward window over a file, the header and frame
//! at an offset, the search for the next valid frame after damage, and the
//! validation of a whole file that recovery and the reader share.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;

use super::error::{Error, Result};
use super::frame::{self, Damage, FrameKind, Parsed, FRAME_HEADER_LEN, MAX_PAYLOAD};
use super::header::{self, ParsedHeader, SegmentHeader, FIXED_LEN, MAX_EXTRA};

/// How much is read at a time.
const CHUNK: usize = 256 << 10;

/// A forward-moving window over a file: hands out the bytes from an offset
/// onward, reading more (and dropping what lies before) as needed.
pub(crate) struct Window {
    file: File,
    len: u64,
    buf: Vec<u8>,
    start: u64,
}

impl Window {
    /// A window over the first `len` bytes of `file`.
    pub(crate) fn new(file: File, len: u64) -> Self {
        Window {
            file,
            len,
            buf: Vec::new(),
            start: 0,
        }
    }

    /// The length the window reads up to.
    pub(crate) fn len(&self) -> u64 {
        self.len
    }

    /// The bytes from `off` onward: at least `n` of them unless the end comes
    /// first.
    pub(crate) fn get(&mut self, off: u64, n: usize) -> io::Result<&[u8]> {
        let end = self.start + self.buf.len() as u64;
        if off < self.start || off > end {
            self.buf.clear();
            self.start = off;
        }
        let mut rel = (off - self.start) as usize;
        if self.buf.len() - rel < n && self.start + (self.buf.len() as u64) < self.len {
            self.buf.drain(..rel);
            self.start = off;
            rel = 0;
            let have = self.buf.len();
            let left = self.len - (off + have as u64);
            let want = (n - have).max(CHUNK).min(left as usize);
            self.buf.resize(have + want, 0);
            let mut filled = have;
            while filled < have + want {
                match self
                    .file
                    .read_at(&mut self.buf[filled..], off + filled as u64)
                {
                    Ok(0) => break, // the file shrank under us: it ends here
                    Ok(k) => filled += k,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            self.buf.truncate(filled);
            if filled < have + want {
                self.len = off + filled as u64;
            }
        }
        Ok(&self.buf[rel..])
    }
}

/// What is at an offset of a file of frames.
pub(crate) enum At<'a> {
    /// A valid frame: its kind byte, its payload, its total length.
    Frame {
        kind: u8,
        payload: &'a [u8],
        len: u64,
    },
    /// The end of the file, exactly.
    End,
    /// Damage.
    Bad(Damage),
}

/// Reads what is at `off`.
pub(crate) fn frame_at(w: &mut Window, off: u64) -> io::Result<At<'_>> {
    if off >= w.len() {
        return Ok(At::End);
    }
    let head = w.get(off, FRAME_HEADER_LEN)?;
    let mut need = FRAME_HEADER_LEN;
    if head.len() >= FRAME_HEADER_LEN {
        let len = u32::from_le_bytes(head[0..4].try_into().unwrap()) as usize;
        if len <= MAX_PAYLOAD {
            need += len;
        }
    }
    let bytes = w.get(off, need)?;
    Ok(match frame::parse(bytes) {
        Parsed::Frame { kind, payload_len } => At::Frame {
            kind,
            payload: &bytes[FRAME_HEADER_LEN..FRAME_HEADER_LEN + payload_len],
            len: (FRAME_HEADER_LEN + payload_len) as u64,
        },
        Parsed::Bad(d) => At::Bad(d),
    })
}

/// The kind byte and payload of the frame at `off` as its length field says,
/// its CRC unchecked; `None` at the end, or where no whole frame fits. For a
/// pass that only precomputes (the verifier's leaf hashes): what it finds may
/// be used only for a frame that was checked, at the same offset, of the same
/// length.
pub(crate) fn frame_unchecked(w: &mut Window, off: u64) -> io::Result<Option<(u8, &[u8])>> {
    let head = w.get(off, FRAME_HEADER_LEN)?;
    if head.len() < FRAME_HEADER_LEN {
        return Ok(None);
    }
    let len = u32::from_le_bytes(head[0..4].try_into().expect("4 bytes")) as usize;
    if len > MAX_PAYLOAD {
        return Ok(None);
    }
    let bytes = w.get(off, FRAME_HEADER_LEN + len)?;
    if bytes.len() < FRAME_HEADER_LEN + len {
        return Ok(None);
    }
    Ok(Some((
        bytes[8],
        &bytes[FRAME_HEADER_LEN..FRAME_HEADER_LEN + len],
    )))
}

/// The first offset after `from` where a complete, valid frame parses.
pub(crate) fn next_valid_frame(w: &mut Window, from: u64) -> io::Result<Option<u64>> {
    let mut off = from + 1;
    while off + (FRAME_HEADER_LEN as u64) <= w.len() {
        if let At::Frame { .. } = frame_at(w, off)? {
            return Ok(Some(off));
        }
        off += 1;
    }
    Ok(None)
}

/// What a file's header turned out to be.
pub(crate) enum HeaderState {
    /// Valid: the header and its length.
    Valid(SegmentHeader, u64),
    /// Cut short or never written: an incomplete header, a file of zeros, or a
    /// header that fails its CRC with nothing after it (a crash while the file
    /// was being made). Acceptable only for the newest file.
    Torn,
    /// A newer format version.
    Newer(u16),
    /// Damaged: what is wrong.
    Bad(String),
}

/// Reads and classifies the header of the file behind `w`.
pub(crate) fn read_header(w: &mut Window, magic: &[u8; 8]) -> io::Result<HeaderState> {
    let fixed = w.get(0, FIXED_LEN)?;
    let mut need = FIXED_LEN + 4;
    if fixed.len() >= FIXED_LEN {
        let extra = u32::from_le_bytes(fixed[42..46].try_into().unwrap()) as usize;
        need += extra.min(MAX_EXTRA);
    }
    let total = w.len();
    let bytes = w.get(0, need)?;
    let have = bytes.len() as u64;
    let parsed = header::parse_header(bytes, magic);
    Ok(match parsed {
        ParsedHeader::Valid(h, len) => HeaderState::Valid(h, len as u64),
        ParsedHeader::Incomplete => HeaderState::Torn,
        ParsedHeader::Version(v) if v > header::FORMAT_VERSION => HeaderState::Newer(v),
        ParsedHeader::BadCrc if total == have => HeaderState::Torn,
        other => {
            if all_zero(w)? {
                return Ok(HeaderState::Torn);
            }
            HeaderState::Bad(match other {
                ParsedHeader::BadMagic => format!(
                    "does not start with the magic {:?}",
                    String::from_utf8_lossy(magic)
                ),
                ParsedHeader::Version(v) => format!("has format version {v}, which is invalid"),
                ParsedHeader::ExtraTooLong(n) => {
                    format!("has a header extra of {n} bytes, over the 1 MiB limit")
                }
                _ => "has a header whose CRC32C does not match".to_string(),
            })
        }
    })
}

/// Whether every byte of the file is zero.
fn all_zero(w: &mut Window) -> io::Result<bool> {
    let mut off = 0;
    while off < w.len() {
        let bytes = w.get(off, CHUNK)?;
        if bytes.is_empty() {
            break;
        }
        if bytes.iter().any(|&b| b != 0) {
            return Ok(false);
        }
        off += bytes.len() as u64;
    }
    Ok(true)
}

/// How a file of frames ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Tail {
    /// On a frame boundary, at the end of the file.
    Clean,
    /// Damage at `offset` with no valid frame after it: a torn tail.
    Torn { offset: u64, damage: Damage },
    /// Damage at `offset` followed by a valid frame at `next_valid`: corruption.
    Corrupt {
        offset: u64,
        damage: Damage,
        next_valid: u64,
    },
    /// A valid frame at `offset` of a kind this library does not know.
    UnknownKind { offset: u64, kind: u8 },
}

/// The result of reading a whole file of frames.
pub(crate) struct Scanned {
    /// The end of the last valid frame (the header's end if there is none).
    pub valid_len: u64,
    /// The file's length.
    pub file_len: u64,
    /// How the frames end.
    pub tail: Tail,
}

/// Reads every frame after the header (which ends at `from`), calling
/// `on_frame(offset, kind, payload)` for each valid one, up to the first
/// damage or unknown kind.
pub(crate) fn scan_frames(
    w: &mut Window,
    from: u64,
    on_frame: &mut dyn FnMut(u64, FrameKind, &[u8]),
) -> io::Result<Scanned> {
    let mut off = from;
    let tail = loop {
        match frame_at(w, off)? {
            At::End => break Tail::Clean,
            At::Frame { kind, payload, len } => match FrameKind::from_byte(kind) {
                Some(k) => {
                    on_frame(off, k, payload);
                    off += len;
                }
                None => break Tail::UnknownKind { offset: off, kind },
            },
            At::Bad(damage) => match next_valid_frame(w, off)? {
                Some(next_valid) => {
                    break Tail::Corrupt {
                        offset: off,
                        damage,
                        next_valid,
                    }
                }
                None => {
                    break Tail::Torn {
                        offset: off,
                        damage,
                    }
                }
            },
        }
    };
    Ok(Scanned {
        valid_len: off,
        file_len: w.len(),
        tail,
    })
}

/// Opens `path` for reading as a window over its current length.
pub(crate) fn open_window(path: &Path) -> Result<Window> {
    let file = File::open(path).map_err(|e| Error::io("cannot open", path, &e))?;
    let len = file
        .metadata()
        .map_err(|e| Error::io("cannot read the size of", path, &e))?
        .len();
    Ok(Window::new(file, len))
}

/// Reads the payload of the frame at `offset` of `path`.
pub(crate) fn read_payload_at(path: &Path, offset: u64) -> Result<Vec<u8>> {
    let mut w = open_window(path)?;
    match frame_at(&mut w, offset).map_err(|e| Error::io("cannot read", path, &e))? {
        At::Frame { payload, .. } => Ok(payload.to_vec()),
        _ => Err(Error::new(
            super::ErrorKind::Corrupt,
            format!(
                "{}: no valid frame at offset {offset} any more (was the file changed?)",
                path.display()
            ),
        )
        .at_path(path)
        .at_offset(offset)),
    }
}
