package service

// CountRow is countRow, for the tests of package service_test.
var CountRow = countRow
