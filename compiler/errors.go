// Package compiler turns a network description (net.yaml, docs/format.md)
// into an ir.Network. Later it also holds the passes that transform the IR.
//
// The frontend checks everything a user can get wrong and reports the first
// mistake as an *Error that names the file, line, column, field, value and
// what is allowed, so that ir.Network.Validate never fails on its output.
package compiler

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/snnc/snnc/ir"
)

// Error is a user error in a description or in a file it names. Every error
// the frontend returns for bad input is an *Error; anything else is a bug.
type Error struct {
	// Pos is where the mistake is: the description, or a CSV or .npy file
	// it names (then Line may be 0).
	Pos ir.Pos
	// Field is the path of the value in the description, as in
	// "projections[0].delays[1][2]"; empty for the document itself.
	Field string
	// Msg says what is wrong and, where it can, what is allowed.
	Msg string
}

// Error formats the error as "FILE:LINE:COL: FIELD: MSG", leaving out the
// parts that are empty, so editors and terminals can jump to the spot.
func (e *Error) Error() string {
	var parts []string
	if loc := formatPos(e.Pos); loc != "" {
		parts = append(parts, loc)
	}
	if e.Field != "" {
		parts = append(parts, e.Field)
	}
	parts = append(parts, e.Msg)
	return strings.Join(parts, ": ")
}

// UserError marks *Error as a fault of the input, not of snnc: the CLI
// exits with status 2 for it.
func (e *Error) UserError() {}

// formatPos is ir.Pos.String, except that a position without a file name
// still shows LINE:COL.
func formatPos(p ir.Pos) string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		if b.Len() > 0 {
			b.WriteByte(':')
		}
		b.WriteString(strconv.Itoa(p.Line))
		if p.Col > 0 {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(p.Col))
		}
	}
	return b.String()
}

// newError builds an *Error; the message is made single-line because
// callers print one error per line.
func newError(pos ir.Pos, field, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	msg = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(msg)
	return &Error{Pos: pos, Field: field, Msg: msg}
}

// internalError wraps a failure that bad input cannot cause (an IR that does
// not validate): it is deliberately not an *Error, so tools report it as a
// bug in snnc rather than a mistake in the description.
func internalError(err error) error {
	return fmt.Errorf("snnc internal error (please report): the frontend built an invalid network: %w", err)
}
