//! The panic boundary and the thread-local last error. Every exported function
//! runs its body through [`status`] or [`value`], which both go through [`catch`].

use std::cell::RefCell;
use std::ffi::{c_char, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

use super::status::{AuditStatus, Failure, AUDIT_ERR_PANIC, AUDIT_OK};

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

fn record(failure: &Failure) {
    let text = CString::new(failure.message.replace('\0', "\\0")).unwrap_or_default();
    LAST_ERROR.with(|last| *last.borrow_mut() = text);
}

/// Runs `body`, turning a panic into an `AUDIT_ERR_PANIC` failure and recording
/// any failure as this thread's last error.
pub(crate) fn catch<T>(body: impl FnOnce() -> Result<T, Failure>) -> Result<T, Failure> {
    let result = catch_unwind(AssertUnwindSafe(body)).unwrap_or_else(|payload| {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        Err(Failure::new(
            AUDIT_ERR_PANIC,
            format!("internal error: {what}"),
        ))
    });
    if let Err(failure) = &result {
        record(failure);
    }
    result
}

/// The boundary for functions returning an `AuditStatus`.
pub(crate) fn status(body: impl FnOnce() -> Result<(), Failure>) -> AuditStatus {
    match catch(body) {
        Ok(()) => AUDIT_OK,
        Err(failure) => failure.code,
    }
}

/// The boundary for functions returning a value, with `fallback` on failure.
pub(crate) fn value<T>(fallback: T, body: impl FnOnce() -> Result<T, Failure>) -> T {
    catch(body).unwrap_or(fallback)
}

/// The detail of the most recent failure on the calling thread (which argument,
/// which byte, which path, the OS error), or "" if nothing has failed on it yet.
/// Successful calls leave it unchanged.
///
/// Borrowed: valid until the next failing call on this thread. Never NULL.
#[no_mangle]
pub extern "C" fn audit_last_error_message() -> *const c_char {
    LAST_ERROR.with(|last| last.borrow().as_ptr())
}

#[cfg(test)]
mod tests {
    use std::ffi::CStr;

    use super::*;
    use crate::ffi::status::AUDIT_ERR_NULL_ARGUMENT;

    fn last_error() -> String {
        unsafe { CStr::from_ptr(audit_last_error_message()) }
            .to_string_lossy()
            .into_owned()
    }

    #[test]
    fn a_panic_becomes_a_status_and_a_message() {
        let code = status(|| panic!("boom"));
        assert_eq!(code, AUDIT_ERR_PANIC);
        assert_eq!(last_error(), "internal error: boom");
        assert!(value(std::ptr::null::<u8>(), || panic!("again")).is_null());
        assert_eq!(value(7u64, || panic!("{}", String::from("owned"))), 7);
        assert_eq!(last_error(), "internal error: owned");
    }

    #[test]
    fn failures_set_the_message_and_successes_keep_it() {
        assert_eq!(
            status(|| Err(Failure::null("actor"))),
            AUDIT_ERR_NULL_ARGUMENT
        );
        assert_eq!(last_error(), "actor is NULL");
        assert_eq!(status(|| Ok(())), AUDIT_OK);
        assert_eq!(last_error(), "actor is NULL");
    }
}
