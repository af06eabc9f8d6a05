package service_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/baohangateway/baohan/service"
)

// diagram is the state diagram of the package documentation, written out
// again by hand: operation → state before → state after. TestStateMachine
// holds the service's table and its behaviour to it.
var diagram = map[service.Operation]map[service.State]service.State{
	service.OpApprove:     {service.StateReceived: service.StateIssued},
	service.OpReject:      {service.StateReceived: service.StateRejected},
	service.OpAbandon:     {service.StateReceived: service.StateAbandoned},
	service.OpGiveUp:      {service.StateReceived: service.StateAbandoned},
	service.OpPortal:      {service.StateReceived: service.StateReceived},
	service.OpQuit:        {service.StateIssued: service.StateQuitPending},
	service.OpQuitApprove: {service.StateQuitPending: service.StateWithdrawn},
	service.OpQuitReject:  {service.StateQuitPending: service.StateIssued},
	service.OpRestore:     {service.StateIssued: service.StateRestored},
	service.OpCancel:      {service.StateRestored: service.StateCancelled},
	service.OpClaim:       {service.StateIssued: service.StateClaimed, service.StateRestored: service.StateClaimed},
	service.OpPayClaim:    {service.StateClaimed: service.StatePaid},
	// invoiceapply lives beside the state: once restored.
	service.OpInvoice: {service.StateRestored: service.StateRestored, service.StateCancelled: service.StateCancelled,
		service.StateClaimed: service.StateClaimed, service.StatePaid: service.StatePaid},
}

// platformOps are the operations the platform starts, each with its interface.
var platformOps = map[service.Operation]bool{service.OpGiveUp: true, service.OpQuit: true, service.OpRestore: true,
	service.OpCancel: true, service.OpClaim: true, service.OpInvoice: true}

// TestStateMachine walks every (state, operation) pair through the
// service's entry point of the operation: an allowed one leaves the state
// the diagram says; a refused one answers ESTATE naming the state and
// changes nothing (state, version, notices, audit), unless it is a platform
// request of an interface already accepted with other content, which is a
// conflicting retry (ECONFLICT, nothing changed). The admin API's walk is
// handler.TestAdminStateMachine.
func TestStateMachine(t *testing.T) {
	if len(diagram) != len(service.Operations) {
		t.Fatalf("the diagram has %d operations, the table %d", len(diagram), len(service.Operations))
	}
	for _, op := range service.Operations {
		for _, st := range service.States {
			want, wantOK := diagram[op][st]
			if got, ok := service.Next(op, st); ok != wantOK || got != want {
				t.Errorf("table: %s in %s → %s, %v; the diagram says %s, %v", op, st, got, ok, want, wantOK)
			}
		}
	}
	forEachStore(t, service.DefaultUnderwriting(), func(t *testing.T, e *env) {
		// Bring one application to each state.
		reach := map[service.State]func(no string) *service.Application{
			service.StateReceived: e.apply,
			service.StateRejected: func(no string) *service.Application {
				a := e.apply(no)
				if _, err := e.svc.Guarantees.Reject(e.ctx, officerMaker, a.ID, "不符合条件"); err != nil {
					t.Fatal(err)
				}
				return e.get(no)
			},
			service.StateIssued: e.approve,
			service.StateQuitPending: func(no string) *service.Application {
				a := e.approve(no)
				if err := e.svc.Guarantees.Quit(e.ctx, quitReq(a, "r")); err != nil {
					t.Fatal(err)
				}
				return e.get(no)
			},
			service.StateWithdrawn: func(no string) *service.Application {
				a := e.approve(no)
				if err := e.svc.Guarantees.Quit(e.ctx, quitReq(a, "r")); err != nil {
					t.Fatal(err)
				}
				if _, err := e.svc.Guarantees.DecideQuit(e.ctx, officerMaker, a.ID, true, ""); err != nil {
					t.Fatal(err)
				}
				return e.get(no)
			},
			service.StateRestored: e.restore,
			service.StateCancelled: func(no string) *service.Application {
				a := e.restore(no)
				if err := e.svc.Guarantees.Cancel(e.ctx, service.CancelRequest{Origin: service.Origin{Platform: appkey, PlatformCode: "A3205650121", ApplyNo: no}, BaohanNo: a.BaohanNo}); err != nil {
					t.Fatal(err)
				}
				return e.get(no)
			},
			service.StateClaimed: func(no string) *service.Application {
				a := e.restore(no)
				if err := e.svc.Guarantees.Claim(e.ctx, claimReq(a)); err != nil {
					t.Fatal(err)
				}
				return e.get(no)
			},
			service.StatePaid: func(no string) *service.Application {
				a := e.restore(no)
				if err := e.svc.Guarantees.Claim(e.ctx, claimReq(a)); err != nil {
					t.Fatal(err)
				}
				cl, _ := e.store.ListClaims(e.ctx, a.ID)
				if _, err := e.svc.Guarantees.PayClaim(e.ctx, officerChecker, a.ID, cl[0].ID, 0, "P1"); err != nil {
					t.Fatal(err)
				}
				return e.get(no)
			},
			service.StateAbandoned: func(no string) *service.Application {
				e.apply(no)
				if err := e.svc.Guarantees.GiveUp(e.ctx, service.GiveUpRequest{Origin: service.Origin{Platform: appkey, PlatformCode: "A3205650121", ApplyNo: no}}); err != nil {
					t.Fatal(err)
				}
				return e.get(no)
			},
		}

		// Each operation's entry point; the request content differs from any
		// used to reach a state, so no call is a retry.
		do := map[service.Operation]func(a *service.Application) error{
			service.OpApprove: func(a *service.Application) error {
				_, err := e.svc.Guarantees.Approve(e.ctx, officerChecker, a.ID, service.ApproveInput{PayerName: a.BidderName, PayerAccount: "1"})
				return err
			},
			service.OpReject: func(a *service.Application) error {
				_, err := e.svc.Guarantees.Reject(e.ctx, officerMaker, a.ID, "再次拒绝")
				return err
			},
			service.OpAbandon: func(a *service.Application) error {
				_, err := e.svc.Guarantees.Abandon(e.ctx, officerMaker, a.ID, "我方放弃")
				return err
			},
			service.OpGiveUp: func(a *service.Application) error {
				return e.svc.Guarantees.GiveUp(e.ctx, service.GiveUpRequest{Origin: service.Origin{Platform: appkey, PlatformCode: "OTHER", ApplyNo: a.ApplyNo}})
			},
			service.OpPortal: func(a *service.Application) error {
				_, err := e.svc.Public.SubmitPortal(e.ctx, a.PortalToken, service.PortalInput{PayerName: a.BidderName, PayerAccount: "6222 0001", AcceptTerms: true})
				return err
			},
			service.OpQuit: func(a *service.Application) error {
				return e.svc.Guarantees.Quit(e.ctx, quitReq(a, "另一个原因"))
			},
			service.OpQuitApprove: func(a *service.Application) error {
				_, err := e.svc.Guarantees.DecideQuit(e.ctx, officerMaker, a.ID, true, "")
				return err
			},
			service.OpQuitReject: func(a *service.Application) error {
				_, err := e.svc.Guarantees.DecideQuit(e.ctx, officerMaker, a.ID, false, "另行投标")
				return err
			},
			service.OpRestore: func(a *service.Application) error {
				r := restoreReq(a)
				r.KaibiaoTime = "2026-11-29 09:00:00"
				return e.svc.Guarantees.Restore(e.ctx, r)
			},
			service.OpCancel: func(a *service.Application) error {
				return e.svc.Guarantees.Cancel(e.ctx, service.CancelRequest{Origin: service.Origin{Platform: appkey, PlatformCode: "OTHER", ApplyNo: a.ApplyNo}, BaohanNo: a.BaohanNo})
			},
			service.OpClaim: func(a *service.Application) error {
				r := claimReq(a)
				r.Reason = "另一次索赔"
				return e.svc.Guarantees.Claim(e.ctx, r)
			},
			service.OpPayClaim: func(a *service.Application) error {
				cl, _ := e.store.ListClaims(e.ctx, a.ID)
				id := int64(999999)
				if len(cl) > 0 {
					id = cl[0].ID
				}
				_, err := e.svc.Guarantees.PayClaim(e.ctx, officerChecker, a.ID, id, 0, "P2")
				return err
			},
			service.OpInvoice: func(a *service.Application) error {
				return e.svc.Guarantees.Invoice(e.ctx, invoiceReq(a))
			},
		}
		walked, refused, conflicts := 0, 0, 0
		check := func(op service.Operation, st service.State, a *service.Application) {
			t.Helper()
			before := e.snap(a.ApplyNo)
			err := do[op](a)
			after := e.snap(a.ApplyNo)
			want, allowed := diagram[op][st]
			walked++
			switch {
			case allowed && err != nil:
				t.Errorf("%s in %s refused: %v", op, st, err)
			case allowed && after.state != want:
				t.Errorf("%s in %s left %s, want %s", op, st, after.state, want)
			case allowed && after.audit == before.audit:
				t.Errorf("%s in %s left no audit event", op, st)
			case allowed:
			case err == nil:
				t.Errorf("%s in %s was accepted", op, st)
			case service.ErrorCode(err) == service.ECONFLICT && platformOps[op]:
				// The platform's request of this interface that brought the
				// application here was accepted with other content: the
				// idempotency record answers before the state is looked at.
				if after != before {
					t.Errorf("%s in %s changed something: %+v → %+v", op, st, before, after)
				}
				conflicts++
			case service.ErrorCode(err) != service.ESTATE:
				t.Errorf("%s in %s: %v, want a state refusal", op, st, err)
			case !strings.Contains(service.ErrorMessage(err), "当前状态为「"+st.Label()+"」"):
				t.Errorf("%s in %s: message %q does not name the state", op, st, service.ErrorMessage(err))
			case after != before:
				t.Errorf("%s in %s changed something: %+v → %+v", op, st, before, after)
			default:
				refused++
			}
		}
		for i, op := range service.Operations {
			for j, st := range service.States {
				a := reach[st](fmt.Sprintf("TBaoHanFSM%02d%02d", i, j))
				check(op, st, a)
			}
		}
		// A guarantee claimed before bid opening was never restored: no invoice.
		a := e.approve("TBaoHanFSMEARLY")
		if err := e.svc.Guarantees.Claim(e.ctx, claimReq(a)); err != nil {
			t.Fatal(err)
		}
		before := e.snap(a.ApplyNo)
		err := e.svc.Guarantees.Invoice(e.ctx, invoiceReq(e.get(a.ApplyNo)))
		if service.ErrorCode(err) != service.ESTATE || !strings.Contains(service.ErrorMessage(err), "还原") || e.snap(a.ApplyNo) != before {
			t.Errorf("invoiceapply on a guarantee claimed before opening: %v", err)
		}
		if want := len(service.Operations) * len(service.States); walked != want {
			t.Errorf("walked %d pairs, want %d", walked, want)
		}
		if refused < 100 {
			t.Errorf("only %d pairs refused by the state", refused)
		}
		t.Logf("%d (state, operation) pairs walked: %d refused by the state, %d answered as conflicting retries", walked, refused, conflicts)
	})
}
