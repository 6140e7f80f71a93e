// Package virterr is govirt's error model: one error type that carries every
// field of libvirt's virError / remote_error, with libvirt's numeric codes
// and domains and libvirt's message wording.
//
// Report with a code and let the table word the message:
//
//	virterr.New(virterr.NoDomain, "no domain with matching name '%s'", name)
//
// gives "Domain not found: no domain with matching name 'x'", as libvirt does.
// Test for a code with errors.Is(err, virterr.NoDomain) or virterr.CodeOf(err);
// never match message text.
package virterr

//go:generate go run ../../internal/gen/virterrgen -in ../../../shared/reference/virterror_enums.txt -out codes_gen.go

import (
	"errors"
	"fmt"
)

// Code is a libvirt error number (virErrorNumber).
type Code int32

// Domain is the part of libvirt an error comes from (virErrorDomain).
type Domain int32

// Level is an error's severity (virErrorLevel).
type Level int32

// Error levels.
const (
	LevelNone    Level = 0 // VIR_ERR_NONE
	LevelWarning Level = 1 // VIR_ERR_WARNING
	LevelError   Level = 2 // VIR_ERR_ERROR
)

// OK is VIR_ERR_OK: no error.
const OK Code = 0

// Error mirrors libvirt's remote_error: code, domain, message, level, the
// (obsolete) domain and network the error concerns, str1-3 and int1-2.
type Error struct {
	Code    Code
	Domain  Domain
	Message string
	Level   Level
	// Dom and Net name the domain or network concerned, when the wire
	// carries them (remote_error's dom/net; libvirt itself leaves them unset).
	Dom  string
	Net  string
	Str1 string
	Str2 string
	Str3 string
	Int1 int32
	Int2 int32

	wrapped error
}

// Error returns the message as libvirt would print it.
func (e *Error) Error() string { return e.Message }

// Unwrap returns the cause this error was built from, if any.
func (e *Error) Unwrap() error { return e.wrapped }

// Is reports whether target is this error's code, or an *Error with the same
// code (a zero-valued Domain in target matches any domain).
func (e *Error) Is(target error) bool {
	switch t := target.(type) {
	case Code:
		return e.Code == t
	case *Error:
		return t.Code == e.Code && (t.Domain == 0 || t.Domain == e.Domain)
	}
	return false
}

// Error makes a Code usable as an errors.Is target.
func (c Code) Error() string { return Message(c, "") }

// String returns libvirt's C name of the code (VIR_ERR_NO_DOMAIN).
func (c Code) String() string {
	if n, ok := codeNames[c]; ok {
		return n
	}
	if c == OK {
		return "VIR_ERR_OK"
	}
	return fmt.Sprintf("VIR_ERR_%d", int32(c))
}

// String returns libvirt's C name of the domain (VIR_FROM_QEMU).
func (d Domain) String() string {
	if n, ok := domainNames[d]; ok {
		return n
	}
	return fmt.Sprintf("VIR_FROM_%d", int32(d))
}

// Message words a code and its detail as libvirt's virErrorMsg does.
func Message(c Code, detail string) string {
	m, ok := messages[c]
	if !ok {
		if detail == "" {
			return "unknown error"
		}
		return detail
	}
	if detail == "" {
		return m[0]
	}
	return fmt.Sprintf(m[1], detail)
}

// New reports an error with code c; format and args make the detail. The
// domain is left unset (VIR_FROM_NONE); use NewFrom when it matters.
func New(c Code, format string, args ...any) *Error {
	return NewFrom(FromNone, c, format, args...)
}

// NewFrom reports an error with code c raised in domain d.
func NewFrom(d Domain, c Code, format string, args ...any) *Error {
	detail := format
	if len(args) > 0 {
		detail = fmt.Sprintf(format, args...)
	}
	// libvirt's virReportErrorHelper puts the unexpanded wording in str1
	// and the detail in str2; clients that look at them see the same.
	e := &Error{Code: c, Domain: d, Message: Message(c, detail), Level: LevelError, Str2: detail, Int1: -1, Int2: -1}
	if m, ok := messages[c]; ok {
		e.Str1 = m[0]
		if detail != "" {
			e.Str1 = m[1]
		}
	}
	return e
}

// Wrap reports code c whose detail is err's message, keeping err for
// errors.Is/As.
func Wrap(c Code, err error, format string, args ...any) *Error {
	detail := fmt.Sprintf(format, args...)
	if detail != "" {
		detail += ": " + err.Error()
	} else {
		detail = err.Error()
	}
	e := New(c, "%s", detail)
	e.wrapped = err
	return e
}

// WithDomain returns a copy of e raised from domain d.
func (e *Error) WithDomain(d Domain) *Error {
	c := *e
	c.Domain = d
	return &c
}

// NoSupportFor is what an unimplemented driver method answers, naming the
// libvirt function as libvirt's drivers do (virReportUnsupportedError).
func NoSupportFor(function string) *Error {
	return New(NoSupport, "%s", function)
}

// NoSupportFrom is NoSupportFor raised from domain d: libvirt's public API
// reports it from the VIR_FROM_THIS of the file defining the function
// (internal/driver.NoSupport knows which).
func NoSupportFrom(d Domain, function string) *Error {
	return NewFrom(d, NoSupport, "%s", function)
}

// CodeOf returns the libvirt code carried by err, InternalError for an
// error that carries none, and OK for nil.
func CodeOf(err error) Code {
	if err == nil {
		return OK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return InternalError
}

// As returns err as an *Error, wrapping a foreign error as InternalError.
func As(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Wrap(InternalError, err, "")
}

// UnsupportedFlags is libvirt's virCheckFlags failure: VIR_ERR_INVALID_ARG
// whose message is the bare "unsupported flags (0x…) in function NAME"
// (virReportInvalidArg raises the text as it is, without the usual
// "invalid argument: " wording), str1 the function and str2 "flags".
func UnsupportedFlags(d Domain, unsupported uint64, function string) *Error {
	return &Error{Code: InvalidArg, Domain: d, Level: LevelError,
		Message: fmt.Sprintf("unsupported flags (0x%x) in function %s", unsupported, function),
		Str1:    function, Str2: "flags"}
}

// InvalidArgument is virReportInvalidArg: VIR_ERR_INVALID_ARG with the
// message exactly as formatted, str1 the function and str2 the argument.
func InvalidArgument(d Domain, function, arg, format string, args ...any) *Error {
	return &Error{Code: InvalidArg, Domain: d, Level: LevelError,
		Message: fmt.Sprintf(format, args...), Str1: function, Str2: arg}
}
