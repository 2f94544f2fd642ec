//! Timestamps: microseconds since the Unix epoch, written as RFC 3339 UTC.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};

use super::error::{quote, Error, ErrorKind, Result};

/// The current time in microseconds since the Unix epoch: `CLOCK_REALTIME`
/// read directly (the standard library's `SystemTime` arithmetic costs as much
/// again on the append path).
pub fn now_micros() -> i64 {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid timespec to write; CLOCK_REALTIME always exists,
    // so the call cannot fail.
    unsafe { libc::clock_gettime(libc::CLOCK_REALTIME, &mut now) };
    // `time_t` and `long` are 32 bits on some targets.
    #[allow(clippy::useless_conversion)]
    i64::from(now.tv_sec)
        .saturating_mul(1_000_000)
        .saturating_add(i64::from(now.tv_nsec) / 1000)
}

/// Formats `micros` as `YYYY-MM-DDTHH:MM:SS.ffffffZ`.
pub fn format_micros(micros: i64) -> Result<String> {
    let mut writer = TimestampWriter::default();
    let mut out = Vec::with_capacity(27);
    if !writer.write(&mut out, micros) {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("timestamp {micros} is outside the years 0000-9999"),
        ));
    }
    Ok(String::from_utf8(out).expect("ASCII"))
}

/// Writes timestamps as [`format_micros`] does, reusing the calendar work
/// between timestamps in the same second (an export is in time order, so most
/// neighbours share it).
#[derive(Default)]
pub(crate) struct TimestampWriter {
    second: Option<i64>,
    prefix: Vec<u8>,
}

impl TimestampWriter {
    /// Appends `micros` to `out`; `false` (and `0000-01-01T00:00:00.000000Z`)
    /// if it lies outside the years 0000-9999, which no clock or import produces.
    pub(crate) fn write(&mut self, out: &mut Vec<u8>, micros: i64) -> bool {
        let second = micros.div_euclid(1_000_000);
        let fraction = micros.rem_euclid(1_000_000) as u32;
        if self.second != Some(second) {
            let fmt = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
            let text = OffsetDateTime::from_unix_timestamp(second)
                .ok()
                .and_then(|t| t.format(&fmt).ok());
            let Some(text) = text else {
                out.extend_from_slice(b"0000-01-01T00:00:00.000000Z");
                return false;
            };
            self.prefix = text.into_bytes();
            self.second = Some(second);
        }
        out.extend_from_slice(&self.prefix);
        out.push(b'.');
        let mut digits = [b'0'; 6];
        let mut rest = fraction;
        for d in digits.iter_mut().rev() {
            *d = b'0' + (rest % 10) as u8;
            rest /= 10;
        }
        out.extend_from_slice(&digits);
        out.push(b'Z');
        true
    }
}

/// Appends `micros` as [`format_micros`] does, with this thread's
/// [`TimestampWriter`]: lines are written in time order (a journal, a
/// forwarder), so the calendar part is mostly reused from the thread's last
/// one. `false` outside the years 0000-9999 (see [`TimestampWriter::write`]).
pub(crate) fn write_timestamp(out: &mut Vec<u8>, micros: i64) -> bool {
    thread_local! {
        static WRITER: std::cell::RefCell<TimestampWriter> = Default::default();
    }
    WRITER.with(|w| w.borrow_mut().write(out, micros))
}

/// Parses an RFC 3339 timestamp (any offset, converted to UTC), or a timestamp
/// without a zone as the reference exports it (`YYYY-MM-DDTHH:MM:SS`, optionally
/// with a fraction), read as UTC. Precision finer than a microsecond is an error
/// rather than silently dropped.
pub fn parse_micros(text: &str) -> Result<i64> {
    let naive = format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]"
    );
    let parsed = OffsetDateTime::parse(text, &Rfc3339).or_else(|_| {
        PrimitiveDateTime::parse(text, &naive).map(|t| t.assume_offset(UtcOffset::UTC))
    });
    let t = parsed.map_err(|e| {
        Error::new(
            ErrorKind::InvalidDocument,
            format!("timestamp {} is not RFC 3339 ({e})", quote(text)),
        )
    })?;
    let year = t.checked_to_offset(UtcOffset::UTC).map(|t| t.year());
    if !year.is_some_and(|y| (0..=9999).contains(&y)) {
        return Err(Error::new(
            ErrorKind::InvalidDocument,
            format!(
                "timestamp {} is outside the years 0000-9999 once converted to UTC",
                quote(text)
            ),
        ));
    }
    // RFC 3339 allows second 60 (a leap second); it is read as the last
    // nanosecond of second 59, and Unix time has no place for it.
    if text.get(17..19) == Some("60") {
        return Err(Error::new(
            ErrorKind::InvalidDocument,
            format!(
                "timestamp {} is a leap second, which Unix time cannot represent",
                quote(text)
            ),
        ));
    }
    let nanos = t.unix_timestamp_nanos();
    if nanos % 1000 != 0 {
        return Err(Error::new(
            ErrorKind::InvalidDocument,
            format!("timestamp {text:?} is more precise than a microsecond"),
        ));
    }
    i64::try_from(nanos / 1000).map_err(|_| {
        Error::new(
            ErrorKind::InvalidDocument,
            format!("timestamp {text:?} is out of range"),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_microseconds_and_z() {
        assert_eq!(format_micros(0).unwrap(), "1970-01-01T00:00:00.000000Z");
        assert_eq!(
            format_micros(1_764_206_436_123_456).unwrap(),
            "2025-11-27T01:20:36.123456Z"
        );
        assert_eq!(format_micros(-1).unwrap(), "1969-12-31T23:59:59.999999Z");
    }

    #[test]
    fn parses_what_it_formats_and_reference_timestamps() {
        for us in [0, 1, -1, 1_764_206_436_123_456, 253_402_300_799_999_999] {
            assert_eq!(parse_micros(&format_micros(us).unwrap()).unwrap(), us);
        }
        assert_eq!(parse_micros("1970-01-01T00:00:01").unwrap(), 1_000_000);
        assert_eq!(parse_micros("1970-01-01T01:00:00+01:00").unwrap(), 0);
        assert!(parse_micros("1970-01-01T00:00:00.0000001Z").is_err());
        let leap = parse_micros("2016-12-31T23:59:60Z").unwrap_err();
        assert!(leap.message().contains("leap second"), "{leap}");
        assert!(parse_micros("yesterday").is_err());
        assert!(parse_micros("9999-12-31T23:30:00-01:00").is_err());
        assert!(parse_micros("0000-01-01T00:30:00+01:00").is_err());
        assert!(parse_micros("9999-12-31T23:30:00+01:00").is_ok());
    }
}
