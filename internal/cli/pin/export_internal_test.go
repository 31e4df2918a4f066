package pin

// Exported for the tests of package pin_test.
var (
	RunExtract = runExtract
	RunCheck   = runCheck
	RunExport  = runExport
)
