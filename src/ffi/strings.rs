//! Pointer and string conversions at the boundary, and owned strings handed out.

use std::ffi::{c_char, CStr, CString};
use std::path::Path;

use super::boundary::value;
use super::status::{Failure, AUDIT_ERR_INVALID_UTF8};
use crate::core::text::utf8;

/// `ptr` as a shared reference, or a NULL-argument failure naming `name`.
///
/// # Safety
/// `ptr` is NULL or points to a live `T` for `'a`.
pub(crate) unsafe fn arg<'a, T>(ptr: *const T, name: &str) -> Result<&'a T, Failure> {
    ptr.as_ref().ok_or_else(|| Failure::null(name))
}

/// `ptr` as an exclusive reference, or a NULL-argument failure naming `name`.
///
/// # Safety
/// `ptr` is NULL or points to a live `T` no one else uses for `'a`.
pub(crate) unsafe fn arg_mut<'a, T>(ptr: *mut T, name: &str) -> Result<&'a mut T, Failure> {
    ptr.as_mut().ok_or_else(|| Failure::null(name))
}

/// A required out-parameter, checked before any work so it can be written on success.
pub(crate) fn out<T>(ptr: *mut T, name: &str) -> Result<*mut T, Failure> {
    if ptr.is_null() {
        Err(Failure::null(name))
    } else {
        Ok(ptr)
    }
}

/// A required NUL-terminated UTF-8 string.
///
/// # Safety
/// `ptr` is NULL or points to a NUL-terminated string live for `'a`.
pub(crate) unsafe fn str_arg<'a>(ptr: *const c_char, name: &str) -> Result<&'a str, Failure> {
    opt_str_arg(ptr, name)?.ok_or_else(|| Failure::null(name))
}

/// An optional NUL-terminated UTF-8 string: NULL gives `None`.
///
/// # Safety
/// As [`str_arg`].
pub(crate) unsafe fn opt_str_arg<'a>(
    ptr: *const c_char,
    name: &str,
) -> Result<Option<&'a str>, Failure> {
    if ptr.is_null() {
        return Ok(None);
    }
    utf8(CStr::from_ptr(ptr).to_bytes()).map(Some).map_err(|e| {
        Failure::new(
            AUDIT_ERR_INVALID_UTF8,
            format!("{name} is not valid UTF-8 (at byte {})", e.valid_up_to()),
        )
    })
}

/// A required path; any bytes but NUL are accepted.
///
/// # Safety
/// As [`str_arg`].
pub(crate) unsafe fn path_arg<'a>(ptr: *const c_char, name: &str) -> Result<&'a Path, Failure> {
    let bytes = arg(ptr, name).map(|_| CStr::from_ptr(ptr).to_bytes())?;
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Ok(Path::new(std::ffi::OsStr::from_bytes(bytes)))
    }
    #[cfg(not(unix))]
    {
        std::str::from_utf8(bytes).map(Path::new).map_err(|e| {
            Failure::new(
                AUDIT_ERR_INVALID_UTF8,
                format!("{name} is not valid UTF-8 (at byte {})", e.valid_up_to()),
            )
        })
    }
}

/// Hands `text` to C as an owned string released by `audit_string_free`.
/// JSON text never holds a raw NUL, so nothing is lost.
pub(crate) fn owned(text: impl Into<Vec<u8>>) -> *mut c_char {
    CString::new(text)
        .expect("JSON output never contains a NUL byte")
        .into_raw()
}

/// Releases a string this library returned as `char *`. NULL is a no-op.
///
/// # Safety
/// `s` is NULL or a string returned by this library and not yet freed.
#[no_mangle]
pub unsafe extern "C" fn audit_string_free(s: *mut c_char) {
    value((), || {
        if !s.is_null() {
            drop(CString::from_raw(s));
        }
        Ok(())
    })
}
