package store

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"github.com/baohangateway/baohan/service"
)

// journalCompactAt is the size past which a journal with no answer waiting
// for its record is emptied.
const journalCompactAt = 1 << 20

// AnswerJournal is a service.AnswerJournal in a folder: one file per
// dispatcher (answers-<owner>.jsonl), a JSON line per answer, held under an
// exclusive flock while its process lives, so that another process tells a
// dead one's file (lock free) from a live one's.
type AnswerJournal struct {
	dir   string
	owner string

	mu       sync.Mutex
	f        *os.File
	size     int64
	waiting  map[string]int // answers noted and not yet recorded
	orphaned []string       // files of dead processes read by Orphans
}

// OpenAnswerJournal creates dir if needed and opens owner's journal in it.
func OpenAnswerJournal(dir, owner string) (*AnswerJournal, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("answer journal: %w", err)
	}
	name := filepath.Join(dir, "answers-"+safeName(owner)+".jsonl")
	f, err := os.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_APPEND|os.O_TRUNC, 0o640)
	if err != nil {
		return nil, fmt.Errorf("answer journal: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("answer journal %s is held by another process: %w", name, err)
	}
	return &AnswerJournal{dir: dir, owner: owner, f: f, waiting: map[string]int{}}, nil
}

// safeName keeps letters, digits, '.', '-' and '_' of s, others become '_'.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			return r
		}
		return '_'
	}, s)
}

func answerKey(a service.AnsweredAttempt) string {
	return fmt.Sprintf("%d/%d", a.Notice.ID, a.Notice.Attempts)
}

// Note implements service.AnswerJournal: one write of one line.
func (j *AnswerJournal) Note(a service.AnsweredAttempt) error {
	// The record needs the state, not the message; applyno names it in the log.
	a.Notice.Fields = map[string]string{"applyno": a.Notice.Fields["applyno"], "baohanno": a.Notice.Fields["baohanno"]}
	line, err := json.Marshal(a)
	if err != nil {
		return err
	}
	line = append(line, '\n')
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return errors.New("answer journal closed")
	}
	n, err := j.f.Write(line)
	j.size += int64(n)
	if err != nil {
		return fmt.Errorf("answer journal: %w", err)
	}
	j.waiting[answerKey(a)]++
	return nil
}

// Recorded implements service.AnswerJournal; the file is emptied when it
// has grown past journalCompactAt and no answer waits for its record.
func (j *AnswerJournal) Recorded(a service.AnsweredAttempt) {
	j.mu.Lock()
	defer j.mu.Unlock()
	k := answerKey(a)
	if j.waiting[k]--; j.waiting[k] <= 0 {
		delete(j.waiting, k)
	}
	if len(j.waiting) == 0 && j.size > journalCompactAt && j.f != nil {
		if err := j.f.Truncate(0); err == nil {
			j.size = 0
		}
	}
}

// Orphans implements service.AnswerJournal: the answers in the files of
// the folder whose lock is free (their process is gone). A line cut short
// by the kill is skipped.
func (j *AnswerJournal) Orphans() ([]service.AnsweredAttempt, error) {
	names, err := filepath.Glob(filepath.Join(j.dir, "answers-*.jsonl"))
	if err != nil {
		return nil, err
	}
	own := filepath.Join(j.dir, "answers-"+safeName(j.owner)+".jsonl")
	var out []service.AnsweredAttempt
	j.orphaned = j.orphaned[:0]
	for _, name := range names {
		if name == own {
			continue
		}
		f, err := os.Open(name)
		if err != nil {
			return nil, fmt.Errorf("answer journal: %w", err)
		}
		if syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB) != nil {
			f.Close() // a live process's journal
			continue
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			var a service.AnsweredAttempt
			if json.Unmarshal(sc.Bytes(), &a) == nil && a.Notice.ID != 0 && a.Owner != "" {
				out = append(out, a)
			}
		}
		err = sc.Err()
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("answer journal %s: %w", name, err)
		}
		j.orphaned = append(j.orphaned, name)
	}
	return out, nil
}

// Forget implements service.AnswerJournal: it removes the files Orphans read.
func (j *AnswerJournal) Forget() error {
	var errs []error
	for _, name := range j.orphaned {
		if err := os.Remove(name); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	j.orphaned = nil
	return errors.Join(errs...)
}

// Close implements service.AnswerJournal: at a clean stop every answer is
// recorded or given up, so the file goes.
func (j *AnswerJournal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	name := j.f.Name()
	keep := len(j.waiting) > 0
	err := j.f.Close()
	j.f = nil
	if !keep {
		if rmErr := os.Remove(name); rmErr != nil && !errors.Is(rmErr, os.ErrNotExist) {
			err = errors.Join(err, rmErr)
		}
	}
	return err
}
