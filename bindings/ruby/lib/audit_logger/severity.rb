# frozen_string_literal: true

class AuditLogger
  # The severities and their fixed numbers (AUDIT_SEVERITY_*).
  SEVERITIES = { info: 10, warning: 20, error: 30, critical: 40 }.freeze

  # The number of the severity called `name` (a String or Symbol, any ASCII
  # case). Strict: anything but INFO, WARNING, ERROR or CRITICAL raises
  # InvalidSeverityError.
  def self.severity_from_name(name)
    out = FFI::MemoryPointer.new(:uint32)
    Error.check(Native.audit_severity_from_name(Strings.c_string(name.to_s, 'severity'), out))
    out.read_uint32
  end

  # The number for a severity given as a Symbol, String or Integer.
  def self.severity_value(severity)
    case severity
    when Integer
      return severity if severity.between?(0, 0xFFFF_FFFF) # the library checks the value

      raise InvalidSeverityError, "severity #{severity} is not 10, 20, 30 or 40"
    when Symbol, String then severity_from_name(severity)
    else raise TypeError, "severity must be a Symbol, String or Integer, not #{severity.class}"
    end
  end

  # The Symbol for a severity number (:info, :warning, :error, :critical).
  def self.severity_symbol(value)
    SEVERITIES.key(value) || value
  end
end
