package service

// AnswerJournal keeps each answer of the platform from the moment it
// arrives until its attempt is recorded in the database, outside the
// database and in a few microseconds (an appended line, no fsync: it
// survives the process, not the machine). A process killed between the
// platform's answer and the commit of its record leaves the answer there;
// the next dispatcher started on the same journal records it before it
// claims anything, so a notice the platform accepted is not sent again.
// Without a journal (nil) that window is as long as the record's commit.
type AnswerJournal interface {
	// Note keeps a before its record is written.
	Note(a AnsweredAttempt) error
	// Recorded says a's record was written, or refused for good (the
	// claim was lost): a need not be replayed.
	Recorded(a AnsweredAttempt)
	// Orphans returns the answers noted by processes that are gone and
	// whose record may be missing. Forget drops them once replayed.
	Orphans() ([]AnsweredAttempt, error)
	Forget() error
	// Close ends this process's journal at a clean stop.
	Close() error
}

// AnsweredAttempt is one answer in the journal: the attempt as it is to be
// recorded, and the notice's next state (its ID, Status, Attempts,
// NextAttemptAt, LastError, DeliveredAt), by the claim's owner.
type AnsweredAttempt struct {
	Owner   string        `json:"owner"`
	Notice  Notice        `json:"notice"`
	Attempt NoticeAttempt `json:"attempt"`
}
