//! Pointer and string conversions at the boundary, and owned strings handed out.

use std::ffi::{c_char, CStr, CString};
use std::path::Path;

use super::boundary::value;
use super::status::{Failure, AUDIT_ERR_INVALID_ARGUMENT, AUDIT_ERR_INVALID_UTF8};
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

/// An out-parameter, checked before any work and written only on success.
pub(crate) struct Out<T>(*mut T);

impl<T> Out<T> {
    /// Writes `value` (whatever the pointee held is not read or dropped).
    pub(crate) fn set(self, value: T) {
        // SAFETY: `out`/`opt_out`'s callers vouch that the pointer is writable.
        unsafe { self.0.write(value) }
    }
}

/// A required out-parameter, or a NULL-argument failure naming `name`.
///
/// # Safety
/// `ptr` is NULL or writable until the returned `Out` is used.
pub(crate) unsafe fn out<T>(ptr: *mut T, name: &str) -> Result<Out<T>, Failure> {
    opt_out(ptr).ok_or_else(|| Failure::null(name))
}

/// An optional out-parameter: NULL means the caller does not want the value.
///
/// # Safety
/// As [`out`].
pub(crate) unsafe fn opt_out<T>(ptr: *mut T) -> Option<Out<T>> {
    (!ptr.is_null()).then_some(Out(ptr))
}

/// A `#[repr(C)]` struct the caller sizes: its first field, `struct_size`, is
/// set to `sizeof` by the caller, so later versions can append fields.
///
/// # Safety
/// Implementors are `#[repr(C)]` and start with the `u64` `struct_size`.
pub(crate) unsafe trait SizeTagged {
    /// The C type's name, for the error message.
    const NAME: &'static str;
    /// The size of the first version of the struct: the least a caller may pass.
    const V1_SIZE: usize;
}

/// A size-tagged out-parameter: written only as far as the caller's struct
/// reaches, so a caller built against an older, shorter version keeps working.
pub(crate) struct SizedOut<T> {
    ptr: *mut T,
    len: usize,
}

impl<T: SizeTagged> SizedOut<T> {
    /// Writes the fields of `value` that fit in the caller's `struct_size`.
    pub(crate) fn set(self, value: T) {
        let len = self.len.min(std::mem::size_of::<T>());
        // SAFETY: `sized_out`'s caller vouches for `struct_size` writable
        // bytes at `ptr`, and `len` is at most that.
        unsafe {
            std::ptr::copy_nonoverlapping(
                (&value as *const T).cast::<u8>(),
                self.ptr.cast::<u8>(),
                len,
            )
        };
    }
}

/// A required size-tagged out-parameter: checked to be at least the first
/// version's size; the caller's `struct_size` is returned with it, to be
/// written back.
///
/// # Safety
/// `ptr` is NULL or points to `struct_size` writable bytes.
pub(crate) unsafe fn sized_out<T: SizeTagged>(
    ptr: *mut T,
    name: &str,
) -> Result<(SizedOut<T>, u64), Failure> {
    out(ptr, name)?;
    let struct_size = ptr.cast::<u64>().read();
    let size = usize::try_from(struct_size).unwrap_or(usize::MAX);
    if size < T::V1_SIZE {
        return Err(Failure::new(
            AUDIT_ERR_INVALID_ARGUMENT,
            format!(
                "{name}->struct_size is {size}; set it to sizeof({}) (at least {})",
                T::NAME,
                T::V1_SIZE
            ),
        ));
    }
    Ok((SizedOut { ptr, len: size }, struct_size))
}

/// The body of every `audit_*_free`: NULL is a no-op, and a panic in `free`
/// is caught.
///
/// # Safety
/// `ptr` is NULL or what `free` may release.
pub(crate) unsafe fn release<T>(ptr: *mut T, free: impl FnOnce(*mut T)) {
    value((), || {
        if !ptr.is_null() {
            free(ptr);
        }
        Ok(())
    })
}

/// Releases a handle made by `Box::into_raw`; NULL is a no-op.
///
/// # Safety
/// `ptr` is NULL or from `Box::into_raw` and not yet freed.
pub(crate) unsafe fn release_box<T>(ptr: *mut T) {
    release(ptr, |p| drop(Box::from_raw(p)));
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
    release(s, |s| drop(CString::from_raw(s)));
}
