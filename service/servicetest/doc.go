// Package servicetest holds the test doubles of the service's seams, shared
// by every test package: a settable Clock, Letters (a LetterRenderer), a
// Sender (a NoticeSender) and a Caller (a PlatformCaller). Each is safe for
// concurrent use.
//
// The service's internal tests (package service) cannot import this package,
// since it imports service; they need no doubles.
package servicetest
