package store_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/baohangateway/baohan/service"
	"github.com/baohangateway/baohan/store"
)

func TestAnswerJournal(t *testing.T) {
	dir := t.TempDir()
	answer := func(id int64) service.AnsweredAttempt {
		return service.AnsweredAttempt{Owner: "a", Notice: service.Notice{ID: id, Attempts: 1, Status: service.NoticeDelivered,
			Fields: map[string]string{"applyno": "T1", "payeraccount": "6222"}, DeliveredAt: time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)},
			Attempt: service.NoticeAttempt{HTTPStatus: 200, Code: "1", Message: "成功"}}
	}
	a, err := store.OpenAnswerJournal(dir, "host:1:a/b")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.OpenAnswerJournal(dir, "host:1:a/b"); err == nil {
		t.Error("a second process opened a live journal")
	}
	for _, id := range []int64{1, 2} {
		if err := a.Note(answer(id)); err != nil {
			t.Fatal(err)
		}
	}
	a.Recorded(answer(1))
	b, err := store.OpenAnswerJournal(dir, "host:2:c")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if got, err := b.Orphans(); err != nil || len(got) != 0 {
		t.Fatalf("orphans of a live process: %d, %v, want none", len(got), err)
	}
	if err := a.Close(); err != nil { // one answer still waits: the file stays
		t.Fatal(err)
	}
	// A line cut short by a kill is skipped.
	name := filepath.Join(dir, "answers-host_1_a_b.jsonl")
	f, err := os.OpenFile(name, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"owner":"a","notice":{"ID":3`)
	f.Close()
	got, err := b.Orphans()
	if err != nil || len(got) != 2 || got[1].Notice.ID != 2 || got[1].Notice.Status != service.NoticeDelivered || got[1].Attempt.Code != "1" {
		t.Fatalf("orphans: %+v, %v, want answers 1 and 2", got, err)
	}
	if _, ok := got[0].Notice.Fields["payeraccount"]; ok {
		t.Error("the journal keeps a notice's fields beyond applyno and baohanno")
	}
	if err := b.Forget(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(name); !os.IsNotExist(err) {
		t.Errorf("replayed journal still there: %v", err)
	}

	// A clean stop with nothing waiting leaves no file.
	c, err := store.OpenAnswerJournal(dir, "host:3:d")
	if err != nil {
		t.Fatal(err)
	}
	c.Note(answer(4))
	c.Recorded(answer(4))
	c.Close()
	if _, err := os.Stat(filepath.Join(dir, "answers-host_3_d.jsonl")); !os.IsNotExist(err) {
		t.Errorf("journal of a clean stop still there: %v", err)
	}
}
