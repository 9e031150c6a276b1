package ir

// PosError is a mistake in an input file, at FILE:LINE:COL (or in the file
// as a whole, or without a file). Packages embed it in an error type of
// their own, so that callers can tell with errors.As which kind of file was
// wrong (type BoardError struct{ ir.PosError }).
type PosError struct {
	Pos Pos
	Msg string
}

// Error formats the error as "FILE:LINE:COL: MSG", or MSG alone when Pos
// is empty.
func (e *PosError) Error() string {
	if s := e.Pos.String(); s != "" {
		return s + ": " + e.Msg
	}
	return e.Msg
}

// UserError marks the error as the user's input (exit status 2).
func (e *PosError) UserError() {}
