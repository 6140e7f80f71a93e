package conformance

// Suites lists every suite, in the order the report prints them. Each
// suite lives in its own suite_*.go file.
func Suites() []Suite {
	return []Suite{}
}
