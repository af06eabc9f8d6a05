package service

// The state machine of an application, as a table: for each operation, the
// states it is allowed in and the state it leaves, and the refusal in every
// other state. Every operation that depends on the state (platform requests,
// officers' actions in the console and the admin API, the bidder's portal)
// asks transition before it changes anything; Actions derives from the same
// table what an officer may do on an application's page.

// Operation is something done to an application.
type Operation string

// The operations of the table.
const (
	OpApprove     Operation = "approve"       // an officer issues the ciphertext letter
	OpReject      Operation = "reject"        // an officer refuses the application
	OpAbandon     Operation = "abandon"       // we abandon it (§4.12 giveupapply, ours)
	OpGiveUp      Operation = "giveupapply"   // the platform abandons it (§4.11)
	OpPortal      Operation = "portal"        // the bidder gives the paying account
	OpQuit        Operation = "quitapply"     // the platform asks to withdraw (§4.7)
	OpQuitApprove Operation = "quit_approve"  // an officer approves the withdrawal
	OpQuitReject  Operation = "quit_reject"   // an officer refuses it
	OpRestore     Operation = "baohanrestore" // the platform sends the key (§4.3)
	OpCancel      Operation = "canclenotice"  // the platform cancels (§4.9)
	OpClaim       Operation = "claimsnotice"  // the platform claims (§4.10)
	OpPayClaim    Operation = "claim_pay"     // an officer pays the claim
	OpInvoice     Operation = "invoiceapply"  // the platform asks for the invoice (§4.5)
)

// Operations lists every operation of the table in a fixed order.
var Operations = []Operation{OpApprove, OpReject, OpAbandon, OpGiveUp, OpPortal, OpQuit, OpQuitApprove,
	OpQuitReject, OpRestore, OpCancel, OpClaim, OpPayClaim, OpInvoice}

// rule is one operation's row of the table.
type rule struct {
	by     ActorKind       // who starts it: ActorOfficer (console and admin API), ActorPlatform
	from   map[State]State // allowed: the state before → the state after
	action string          // the operation in a refusal: "不能<action>"
	why    string          // why it is refused, unless whyIn or restored says otherwise
	whyIn  map[State]string
	// restored, when set, is why it is refused once the guarantee has been
	// restored (in whatever state); needsRestore allows it only then.
	restored     string
	needsRestore bool
}

// machine is the diagram of the package documentation. It is the truth: the
// diagram is drawn from it, and TestStateMachine walks it.
var machine = map[Operation]rule{
	OpApprove: {by: ActorOfficer, from: map[State]State{StateReceived: StateIssued},
		action: "出函", why: "只有待审核的申请可以审批"},
	OpReject: {by: ActorOfficer, from: map[State]State{StateReceived: StateRejected},
		action: "拒绝", why: "只有待审核的申请可以拒绝"},
	OpAbandon: {by: ActorOfficer, from: map[State]State{StateReceived: StateAbandoned},
		action: "放弃申请", why: "只有尚未出函的申请可以放弃"},
	OpGiveUp: {by: ActorPlatform, from: map[State]State{StateReceived: StateAbandoned},
		action: "放弃申请", why: "保函已出具，不能放弃",
		whyIn: map[State]string{StateRejected: "申请已被拒绝", StateAbandoned: "申请已放弃"}},
	OpPortal: {by: ActorPlatform, from: map[State]State{StateReceived: StateReceived},
		action: "修改付款信息", why: "申请已处理"},
	OpQuit: {by: ActorPlatform, from: map[State]State{StateIssued: StateQuitPending},
		action: "退保", why: "只有已出具、尚未开标的保函可以退保", restored: "已开标（保函已还原），不能退保"},
	OpQuitApprove: {by: ActorOfficer, from: map[State]State{StateQuitPending: StateWithdrawn},
		action: "处理退保", why: "没有待处理的退保申请"},
	OpQuitReject: {by: ActorOfficer, from: map[State]State{StateQuitPending: StateIssued},
		action: "处理退保", why: "没有待处理的退保申请"},
	OpRestore: {by: ActorPlatform, from: map[State]State{StateIssued: StateRestored},
		action: "还原保函", why: "只有已出具的密文保函可以还原",
		whyIn: map[State]string{StateQuitPending: "退保申请正在处理中"}},
	OpCancel: {by: ActorPlatform, from: map[State]State{StateRestored: StateCancelled},
		action: "注销保函", why: "只有开标后（已还原）且未理赔的保函可以注销",
		whyIn: map[State]string{StateIssued: "尚未开标，开标前请走退保流程", StateQuitPending: "尚未开标，开标前请走退保流程"}},
	OpClaim: {by: ActorPlatform, from: map[State]State{StateIssued: StateClaimed, StateRestored: StateClaimed},
		action: "理赔", why: "只有有效的保函可以理赔"},
	OpPayClaim: {by: ActorOfficer, from: map[State]State{StateClaimed: StatePaid},
		action: "赔付", why: "没有待赔付的理赔"},
	// invoiceapply lives beside the state: accepted once restored.
	OpInvoice: {by: ActorPlatform, from: map[State]State{StateRestored: StateRestored, StateCancelled: StateCancelled,
		StateClaimed: StateClaimed, StatePaid: StatePaid},
		action: "申请发票", why: "保函还原（开标）后才能开票", needsRestore: true},
}

// Next is the table's answer for op in state s: the state op leaves and
// whether op is allowed in s at all. An operation that needs a restored
// guarantee (invoiceapply) may still be refused by transition in a claimed
// or paid state reached before bid opening.
func Next(op Operation, s State) (State, bool) {
	to, ok := machine[op].from[s]
	return to, ok
}

// transition is the one check of every operation on a: the state op leaves
// a in, or the ESTATE refusal that names a's state.
func (a *Application) transition(op Operation) (State, error) {
	r, ok := machine[op]
	if !ok {
		return a.State, Errorf(EINTERNAL, "未知操作 %q", op)
	}
	to, ok := r.from[a.State]
	if ok && (!r.needsRestore || a.Restored()) {
		return to, nil
	}
	return a.State, errState(a, r.action, r.refusal(a))
}

func (r rule) refusal(a *Application) string {
	if r.restored != "" && a.Restored() {
		return r.restored
	}
	if why, ok := r.whyIn[a.State]; ok {
		return why
	}
	return r.why
}

// may reports whether op is allowed on a by the table.
func (a *Application) may(op Operation) bool {
	_, err := a.transition(op)
	return err == nil
}

// allowing is the check, for applicationIf, that the table allows op on an
// application now. Only the refusal matters here: an operation that checks
// before it acts asks transition again for the state it leaves when it
// changes the application, which may have moved on meanwhile.
func allowing(op Operation) func(*Application) error {
	return func(a *Application) error {
		_, err := a.transition(op)
		return err
	}
}

// The operations that are no transition of the application but that officers
// start on its page, for Actions.
const (
	OpInvoiceIssue  Operation = "invoice_issue"  // issue the requested invoice
	OpInvoiceRefuse Operation = "invoice_refuse" // refuse the invoice request
	OpRetryLetter   Operation = "letter_retry"   // try a failed plaintext letter again
)
