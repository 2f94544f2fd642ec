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
    def self.check(status, path: nil)
      raise from_status(status, path: path) unless status.zero?
    end

    # `rescue AuditLogger::Error` also matches the IoError::<ERRNO> classes.
    def self.===(other)
      super || (equal?(Error) && other.is_a?(IoError::Os))
    end

    # The error for a non-zero status, with the calling thread's last error
    # message (and, for AUDIT_ERR_IO, its errno: see IoError.for_errno).
    def self.from_status(status, path: nil)
      detail = Native.text(Native.audit_last_error_message)
      message = detail.nil? || detail.empty? ? Native.text(Native.audit_status_str(status)) : detail
      if status == IoError::CODE
        errno = Native.audit_last_error_errno
        return IoError.for_errno(errno).new(message, errno: errno, path: path) unless errno.zero?

        return IoError.new(message, errno: nil, path: path)
      end
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
  # mistaken for Ruby's ::IOError, which it does not inherit from). #errno is
  # the OS error number (nil if the library gave none), #path the file.
  #
  # With an OS error, the error raised is an IoError::<ERRNO> (for example
  # IoError::ENOENT), a subclass of Ruby's own Errno::ENOENT, so that
  # `rescue Errno::ENOENT`, `rescue SystemCallError` and `e.errno` work as
  # for File.open; `rescue AuditLogger::IoError` and `rescue AuditLogger::Error`
  # catch it too, and `is_a?`/`kind_of?` agree (see Os).
  class IoError < Error
    CODE = 9
    attr_reader :errno, :path

    def initialize(message = nil, errno: nil, path: nil, code: CODE)
      super(message, code: code)
      @errno = errno
      @path = path
    end

    # What makes an IoError::<ERRNO> (a SystemCallError) also an
    # AuditLogger::IoError and AuditLogger::Error: the library's message,
    # code, path, and the class tests.
    module Os
      attr_reader :path

      def initialize(message = nil, errno: nil, path: nil)
        super(message)
        @detail = message
        @path = path
      end

      # The library's message (which names the path and the OS error), not
      # SystemCallError's "No such file or directory - ...".
      def message
        @detail
      end

      def to_s
        @detail
      end

      def code
        IoError::CODE
      end

      def is_a?(klass)
        super || klass == IoError || klass == Error
      end
      alias_method :kind_of?, :is_a?
    end

    # `rescue AuditLogger::IoError` and `rescue AuditLogger::Error` match the
    # IoError::<ERRNO> classes (which derive from Errno::*).
    def self.===(other)
      super || (equal?(IoError) && other.is_a?(Os))
    end

    CLASSES = {} # errno => IoError::<ERRNO>
    LOCK = Mutex.new

    # The IoError class for an OS error number: IoError::ENOENT (an
    # Errno::ENOENT) for 2, and so on; IoError itself for 0 or an errno Ruby
    # does not know.
    def self.for_errno(errno)
      return IoError if errno.nil? || errno.zero?

      LOCK.synchronize do
        CLASSES.fetch(errno) do
          base = Errno.constants.lazy.map { |name| Errno.const_get(name) }
                      .find { |k| k.is_a?(Class) && k < SystemCallError && k.const_defined?(:Errno) && k::Errno == errno }
          next IoError if base.nil?

          klass = Class.new(base) { include Os }
          name = base.name.split('::').last
          const_set(name, klass) unless const_defined?(name, false)
          CLASSES[errno] = klass
        end
      end
    end
  end
  # AUDIT_ERR_NOT_FOUND: no such event or subscription.
  class NotFoundError < Error; CODE = 10; end
  # AUDIT_ERR_PANIC: a bug inside the library was caught; the logger is still usable.
  class PanicError < Error; CODE = 11; end
  # AUDIT_ERR_TIMEOUT: a wait ended before its condition was met.
  class TimeoutError < Error; CODE = 12; end
  # AUDIT_ERR_TOO_DEEP: log called from subscribers nested more than 16 levels deep.
  class TooDeepError < Error; CODE = 13; end
  # The logger was used after #close (code nil: the library was not called).
  class ClosedError < Error; end

  class Error
    # Status code => error class.
    BY_CODE = [
      NullArgumentError, InvalidUtf8Error, InvalidSeverityError, InvalidDetailsError,
      InvalidCapacityError, InvalidArgumentError, TooLargeError, InvalidDocumentError,
      IoError, NotFoundError, PanicError, TimeoutError, TooDeepError
    ].to_h { |klass| [klass::CODE, klass] }.freeze
  end
end
