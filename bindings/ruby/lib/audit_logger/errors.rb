# frozen_string_literal: true

class AuditLogger
  # Base class of every error this library raises. #code is the AuditStatus
  # the C library returned (nil for errors raised by the binding itself, such
  # as ClosedError); the message is the library's detail for the failure.
  class Error < StandardError
    CODE = nil
    attr_reader :code

    def initialize(message = nil, code: self.class::CODE)
      super(message)
      @code = code
    end

    # Raises the error for `status` unless it is AUDIT_OK. Call it on the
    # thread that made the failing call: the detail is thread-local.
    def self.check(status)
      raise from_status(status) unless status.zero?
    end

    # The error for a non-zero status, with the calling thread's last error message.
    def self.from_status(status)
      detail = Native.text(Native.audit_last_error_message)
      message = detail.nil? || detail.empty? ? Native.text(Native.audit_status_str(status)) : detail
      BY_CODE.fetch(status, Error).new(message, code: status) # unknown codes: plain Error
    end
  end

  # AUDIT_ERR_NULL_ARGUMENT: a required argument was nil.
  class NullArgumentError < Error; CODE = 1; end
  # AUDIT_ERR_INVALID_UTF8: a string was not valid UTF-8.
  class InvalidUtf8Error < Error; CODE = 2; end
  # AUDIT_ERR_INVALID_SEVERITY: not 10, 20, 30, 40 or one of their names.
  class InvalidSeverityError < Error; CODE = 3; end
  # AUDIT_ERR_INVALID_DETAILS: details was not a JSON object (or was malformed,
  # had a duplicate key, or nested too deep).
  class InvalidDetailsError < Error; CODE = 4; end
  # AUDIT_ERR_INVALID_CAPACITY: a capacity of 0 or another setting out of range.
  class InvalidCapacityError < Error; CODE = 5; end
  # AUDIT_ERR_INVALID_ARGUMENT: an argument unusable in another way (a NUL byte in a string).
  class InvalidArgumentError < Error; CODE = 6; end
  # AUDIT_ERR_TOO_LARGE: a field, details or a document exceeded a configured limit.
  class TooLargeError < Error; CODE = 7; end
  # AUDIT_ERR_INVALID_DOCUMENT: an imported document was malformed.
  class InvalidDocumentError < Error; CODE = 8; end
  # AUDIT_ERR_IO: reading or writing a file failed (named so as not to be
  # mistaken for Ruby's ::IOError, which it does not inherit from).
  class IoError < Error; CODE = 9; end
  # AUDIT_ERR_NOT_FOUND: no such event or subscription.
  class NotFoundError < Error; CODE = 10; end
  # AUDIT_ERR_PANIC: a bug inside the library was caught; the logger is still usable.
  class PanicError < Error; CODE = 11; end
  # AUDIT_ERR_TIMEOUT: a wait ended before its condition was met.
  class TimeoutError < Error; CODE = 12; end
  # The logger was used after #close (code nil: the library was not called).
  class ClosedError < Error; end

  class Error
    # Status code => error class.
    BY_CODE = [
      NullArgumentError, InvalidUtf8Error, InvalidSeverityError, InvalidDetailsError,
      InvalidCapacityError, InvalidArgumentError, TooLargeError, InvalidDocumentError,
      IoError, NotFoundError, PanicError, TimeoutError
    ].to_h { |klass| [klass::CODE, klass] }.freeze
  end
end
