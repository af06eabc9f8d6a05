package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/baohangateway/baohan/service"
	"github.com/baohangateway/baohan/store"
	"github.com/baohangateway/baohan/store/storetest"
)

func TestAudit(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := &service.AuditEvent{
			ApplicationID: 12,
			ApplyNo:       "T001",
			Actor:         service.Actor{Kind: service.ActorOfficer, Name: "maker1", Role: "maker"},
			Action:        "approve",
			Detail:        "费率 0.005，保费 100.00 元",
			At:            at(1, 10, 0),
		}
		allSet(t, e, "ID")
		want := stored(e)
		if err := s.AddAudit(ctx, e); err != nil {
			t.Fatalf("AddAudit: %v", err)
		}
		want.ID = e.ID
		got, total, err := s.FindAudit(ctx, service.AuditFilter{})
		if err != nil || total != 1 || len(got) != 1 {
			t.Fatalf("FindAudit: got %d (total %d), %v, want 1", len(got), total, err)
		}
		sameFields(t, got[0], want)

		// At defaults to now.
		sys := &service.AuditEvent{Actor: service.SystemActor(), Action: "startup"}
		if err := s.AddAudit(ctx, sys); err != nil {
			t.Fatal(err)
		}
		if sys.At.IsZero() || sys.At.Location() != time.UTC {
			t.Errorf("At: got %v, want now in UTC", sys.At)
		}

		base := time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)
		add := func(app int64, actor, action string, hour int) int64 {
			ev := &service.AuditEvent{ApplicationID: app, Actor: service.Actor{Kind: service.ActorOfficer, Name: actor}, Action: action, At: base.Add(time.Duration(hour) * time.Hour)}
			if err := s.AddAudit(ctx, ev); err != nil {
				t.Fatal(err)
			}
			return ev.ID
		}
		a1 := add(1, "alice", "approve", 1)
		a2 := add(1, "bob", "reject", 2)
		a3 := add(2, "alice", "approve", 3)
		a4 := add(2, "alice", "resend", 4)
		for _, tc := range []struct {
			name  string
			f     service.AuditFilter
			want  []int64
			total int
		}{
			{"application", service.AuditFilter{ApplicationID: 1}, []int64{a2, a1}, 2},
			{"actor", service.AuditFilter{Actor: "alice"}, []int64{a4, a3, a1}, 3},
			{"action", service.AuditFilter{Action: "approve", From: base}, []int64{a3, a1}, 2},
			{"time", service.AuditFilter{From: base.Add(2 * time.Hour), To: base.Add(4 * time.Hour)}, []int64{a3, a2}, 2},
			{"together", service.AuditFilter{ApplicationID: 2, Actor: "alice", Action: "resend"}, []int64{a4}, 1},
			{"page", service.AuditFilter{From: base, To: base.AddDate(0, 0, 1), Offset: 1, Limit: 2}, []int64{a3, a2}, 4},
		} {
			got, total, err := s.FindAudit(ctx, tc.f)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			var ids []int64
			for _, e := range got {
				ids = append(ids, e.ID)
			}
			if !slices.Equal(ids, tc.want) || total != tc.total {
				t.Errorf("%s: got %v (total %d), want %v (total %d)", tc.name, ids, total, tc.want, tc.total)
			}
		}
	})
}
