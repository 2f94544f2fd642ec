//! The panic boundary and the thread-local last error. Every exported function
//! runs its body through `status` or `value`, which both go through `catch`.

use std::cell::{Cell, RefCell};
use std::ffi::{c_char, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

use super::status::{audit_status_str, AuditStatus, Failure, AUDIT_ERR_PANIC, AUDIT_OK};

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
    static LAST_ERRNO: Cell<i32> = const { Cell::new(0) };
    /// The code of the last failure recorded on this thread, for the fallback
    /// message once the thread-local message is gone (thread teardown). Like
    /// `LAST_ERRNO` it has no destructor, so it outlives every other local.
    static LAST_CODE: Cell<AuditStatus> = const { Cell::new(AUDIT_OK) };
}

/// Records `failure` as this thread's last error. During thread teardown the
/// thread-locals may be gone: then only the status is kept (see
/// [`audit_last_error_message`]), and nothing panics.
fn record(failure: &Failure) {
    let text = CString::new(failure.message.replace('\0', "\\0")).unwrap_or_default();
    let _ = LAST_ERROR.try_with(|last| last.try_borrow_mut().map(|mut l| *l = text));
    let _ = LAST_ERRNO.try_with(|e| e.set(failure.errno));
    let _ = LAST_CODE.try_with(|c| c.set(failure.code));
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
/// Called while the thread is exiting (from a thread-local destructor), when
/// the library's own thread-local state may already be gone, it returns the
/// static `audit_status_str` text of the last failure instead.
#[no_mangle]
pub extern "C" fn audit_last_error_message() -> *const c_char {
    LAST_ERROR
        .try_with(|last| last.try_borrow().ok().map(|l| l.as_ptr()))
        .ok()
        .flatten()
        .unwrap_or_else(|| audit_status_str(LAST_CODE.try_with(Cell::get).unwrap_or(AUDIT_OK)))
}

/// The OS error number (`errno`, e.g. `ENOENT`) behind the most recent failure
/// on the calling thread when it was an I/O failure (`AUDIT_ERR_IO`), else 0.
/// Successful calls leave it unchanged; a failure that is not an OS error sets
/// it to 0. Bindings map it to their language's own error types.
#[no_mangle]
pub extern "C" fn audit_last_error_errno() -> i32 {
    LAST_ERRNO.try_with(Cell::get).unwrap_or(0)
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
