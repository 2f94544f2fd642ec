//! The read-only reader, for the verifier and the CLI: takes no lock, changes
//! nothing, and reports damage as errors in the stream of frames instead of
//! stopping at it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::dir::{self, Listing, Meta, ARCHIVE_FILE};
use super::error::{Error, ErrorKind, Result};
use super::frame::FrameKind;
use super::header::{LogId, ARCHIVE_MAGIC};
use super::recover::{corruption, open_segment, Opened, RemovedSegment};
use super::scan::{self, At, HeaderState, Window};
use super::SegmentInfo;

/// A frame read from a journal file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// The file it is in (a segment, or the checkpoint archive) and its header.
    pub segment: Arc<SegmentInfo>,
    /// The byte offset where the frame starts in that file.
    pub offset: u64,
    /// Its kind.
    pub kind: FrameKind,
    /// Its payload.
    pub payload: Vec<u8>,
}

/// A read-only view of a journal directory, as it was when opened.
#[derive(Clone, Debug)]
pub struct Reader {
    dir: PathBuf,
    log_id: LogId,
    created_micros: i64,
    segments: Vec<Arc<SegmentInfo>>,
    torn_segment: Option<RemovedSegment>,
    archive: Option<Arc<SegmentInfo>>,
}

impl Reader {
    /// Opens the journal in `dir` for reading. Takes no lock and writes
    /// nothing, so it works beside a live writer and on a read-only file
    /// system. Reads the metadata and every segment's header: a foreign log
    /// id, a damaged header in a segment other than the newest, or a newer
    /// format version is an error; a torn header of the newest segment is
    /// reported by [`torn_segment`](Self::torn_segment) and at the end of
    /// [`frames`](Self::frames).
    pub fn open(dir: impl AsRef<Path>) -> Result<Reader> {
        let dir = dir.as_ref();
        let (listing, meta) = open_listing(dir)?;
        let mut reader = Reader {
            dir: dir.to_path_buf(),
            log_id: meta.log_id,
            created_micros: meta.created_micros,
            segments: Vec::new(),
            torn_segment: None,
            archive: None,
        };
        let count = listing.segments.len();
        for (i, listed) in listing.segments.into_iter().enumerate() {
            match open_segment(&listed, meta.log_id, i + 1 == count)? {
                Opened::Valid { header, window, .. } => {
                    reader.segments.push(Arc::new(SegmentInfo {
                        name: listed.name,
                        bytes: window.len(),
                        path: listed.path,
                        header,
                    }))
                }
                Opened::Torn { bytes } => {
                    reader.torn_segment = Some(RemovedSegment {
                        name: listed.name,
                        bytes,
                    })
                }
            }
        }
        if listing.has_archive {
            let path = dir.join(ARCHIVE_FILE);
            let mut w = scan::open_window(&path)?;
            match scan::read_header(&mut w, ARCHIVE_MAGIC)
                .map_err(|e| Error::io("cannot read", &path, &e))?
            {
                HeaderState::Valid(header, _) if header.log_id == meta.log_id => {
                    reader.archive = Some(Arc::new(SegmentInfo {
                        name: ARCHIVE_FILE.to_string(),
                        bytes: w.len(),
                        path,
                        header,
                    }))
                }
                HeaderState::Valid(header, _) => {
                    return Err(corruption(
                        &path,
                        10,
                        &format!(
                        "the archive belongs to another journal (log id {}, the directory's is {})",
                        header.log_id, meta.log_id
                    ),
                    ))
                }
                HeaderState::Newer(v) => return Err(dir::newer_version(&path, v)),
                HeaderState::Torn => {}
                HeaderState::Bad(why) => {
                    return Err(corruption(&path, 0, &format!("the archive {why}")))
                }
            }
        }
        Ok(reader)
    }

    /// The journal directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The journal's id.
    pub fn log_id(&self) -> LogId {
        self.log_id
    }

    /// When the journal was made, in microseconds since the Unix epoch.
    pub fn created_micros(&self) -> i64 {
        self.created_micros
    }

    /// The segments with a valid header, oldest first, with their lengths when
    /// the reader was opened.
    pub fn segments(&self) -> &[Arc<SegmentInfo>] {
        &self.segments
    }

    /// The newest segment, if its header is torn (a writer opening the journal
    /// removes it).
    pub fn torn_segment(&self) -> Option<&RemovedSegment> {
        self.torn_segment.as_ref()
    }

    /// The checkpoint archive, if there is one.
    pub fn archive(&self) -> Option<&Arc<SegmentInfo>> {
        self.archive.as_ref()
    }

    /// Every frame of every segment, in order. Damage is an `Err` item and
    /// reading goes on after it: a damaged frame followed by a valid one gives
    /// [`ErrorKind::Corrupt`] (naming the file and offset) and reading resumes
    /// at the valid frame; a frame of an unknown kind gives
    /// [`ErrorKind::UnknownFrameKind`] and reading resumes after it; damage at
    /// the end of the newest segment (or a torn newest header) gives
    /// [`ErrorKind::TornTail`], the last item.
    pub fn frames(&self) -> Frames {
        let mut f = Frames::new(self.segments.clone());
        if let Some(t) = &self.torn_segment {
            let path = self.dir.join(&t.name);
            f.trailing = Some(
                Error::new(
                    ErrorKind::TornTail,
                    format!(
                        "the newest segment {} has a torn header ({} bytes): a writer opening \
                         the journal removes it",
                        path.display(),
                        t.bytes
                    ),
                )
                .at_path(&path)
                .at_offset(0),
            );
        }
        f
    }

    /// The frames of one segment (`index` into [`segments`](Self::segments)),
    /// reported as [`frames`](Self::frames) does, the segment treated as the
    /// newest if it is.
    pub fn segment_frames(&self, index: usize) -> Frames {
        let mut f = Frames::new(self.segments[index..=index].to_vec());
        f.newest_is_last = index + 1 == self.segments.len();
        f
    }

    /// The frames of the checkpoint archive (none if there is no archive).
    pub fn archive_frames(&self) -> Frames {
        Frames::new(self.archive.iter().cloned().collect())
    }
}

/// Lists the journal directory `dir` and reads its metadata; an error if
/// `dir` is not a journal directory.
pub(crate) fn open_listing(dir: &Path) -> Result<(Listing, Meta)> {
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Err(dir::not_a_directory(dir)),
        Err(e) => return Err(Error::io("cannot open the journal directory", dir, &e)),
    }
    let listing = dir::list(dir)?;
    if !listing.has_meta {
        return Err(Error::new(
            ErrorKind::NotAJournal,
            format!(
                "{} is not a journal directory: it has no {} file",
                dir.display(),
                dir::META_FILE
            ),
        )
        .at_path(dir));
    }
    let meta = dir::read_meta(dir)?;
    Ok((listing, meta))
}

/// An iterator over frames of journal files; see [`Reader::frames`].
pub struct Frames {
    files: Vec<Arc<SegmentInfo>>,
    /// Whether the last file is the newest of the journal (where damage at the
    /// end is a torn tail, not corruption).
    newest_is_last: bool,
    index: usize,
    window: Option<Window>,
    offset: u64,
    trailing: Option<Error>,
}

impl Frames {
    fn new(files: Vec<Arc<SegmentInfo>>) -> Self {
        Frames {
            files,
            newest_is_last: true,
            index: 0,
            window: None,
            offset: 0,
            trailing: None,
        }
    }

    fn next_file(&mut self) {
        self.index += 1;
        self.window = None;
    }
}

impl std::fmt::Debug for Frames {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Frames")
            .field("file", &self.files.get(self.index).map(|s| &s.name))
            .field("offset", &self.offset)
            .finish()
    }
}

impl Iterator for Frames {
    type Item = Result<Frame>;

    fn next(&mut self) -> Option<Result<Frame>> {
        loop {
            let Some(seg) = self.files.get(self.index).cloned() else {
                return self.trailing.take().map(Err);
            };
            let path = &seg.path;
            if self.window.is_none() {
                match std::fs::File::open(path) {
                    Ok(file) => {
                        self.window = Some(Window::new(file, seg.bytes));
                        self.offset = seg.header.encoded_len() as u64;
                    }
                    Err(e) => {
                        self.next_file();
                        return Some(Err(Error::io("cannot open", path, &e)));
                    }
                }
            }
            let w = self.window.as_mut().unwrap();
            let offset = self.offset;
            let at = match scan::frame_at(w, offset) {
                Ok(at) => at,
                Err(e) => {
                    self.next_file();
                    return Some(Err(Error::io("cannot read", path, &e).at_offset(offset)));
                }
            };
            match at {
                At::End => self.next_file(),
                At::Frame { kind, payload, len } => {
                    self.offset += len;
                    return Some(match FrameKind::from_byte(kind) {
                        Some(kind) => Ok(Frame {
                            segment: seg,
                            offset,
                            kind,
                            payload: payload.to_vec(),
                        }),
                        None => Err(Error::new(
                            ErrorKind::UnknownFrameKind,
                            format!(
                                "journal file {} has a frame of unknown kind {kind} at byte \
                                 offset {offset}: it was written by a newer version",
                                path.display()
                            ),
                        )
                        .at_path(path)
                        .at_offset(offset)),
                    });
                }
                At::Bad(damage) => {
                    let next = match scan::next_valid_frame(w, offset) {
                        Ok(next) => next,
                        Err(e) => {
                            self.next_file();
                            return Some(Err(Error::io("cannot read", path, &e).at_offset(offset)));
                        }
                    };
                    let newest = self.newest_is_last && self.index + 1 == self.files.len();
                    return Some(Err(match next {
                        Some(next_valid) => {
                            self.offset = next_valid;
                            corruption(
                                path,
                                offset,
                                &format!(
                                    "{} followed by a valid frame at offset {next_valid}",
                                    damage.describe()
                                ),
                            )
                        }
                        None if newest => {
                            let len = w.len();
                            self.next_file();
                            Error::new(
                                ErrorKind::TornTail,
                                format!(
                                    "journal file {} ends in a torn tail at byte offset {offset}: \
                                     {} ({} bytes); a writer opening the journal cuts it off",
                                    path.display(),
                                    damage.describe(),
                                    len - offset
                                ),
                            )
                            .at_path(path)
                            .at_offset(offset)
                        }
                        None => {
                            self.next_file();
                            corruption(
                                path,
                                offset,
                                &format!(
                                    "{} at the end of a segment that is not the newest",
                                    damage.describe()
                                ),
                            )
                        }
                    }));
                }
            }
        }
    }
}
